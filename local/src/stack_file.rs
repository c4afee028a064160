//! The stack file `make run` writes (`.local/stack.json`): what the operator tools
//! (`bank-replay`, `bank-stats`, `bank-statements`, `bank`) read to find the running
//! local stack's tables, queues, key and endpoint.

use serde_json::Value;

/// A read stack file.
#[derive(Debug, Clone)]
pub struct StackFile {
    path: String,
    value: Value,
}

impl StackFile {
    /// Reads and parses the file at `path`; the error says what to do.
    pub fn read(path: &str) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {path} (is `make run` running?): {e}"))?;
        let value = serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))?;
        Ok(Self {
            path: path.to_owned(),
            value,
        })
    }

    /// The text at `group.name` (`queues.StatementsQueue`), or `name` at the top
    /// level when `group` is empty (`apiUrl`).
    pub fn field(&self, group: &str, name: &str) -> Result<String, String> {
        let (value, shown) = if group.is_empty() {
            (&self.value[name], name.to_owned())
        } else {
            (&self.value[group][name], format!("{group}.{name}"))
        };
        value.as_str().map(str::to_owned).ok_or_else(|| {
            format!(
                "{} has no {shown} (a stack file from an older `make run`? restart it)",
                self.path
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_and_missing_ones_say_what_to_do() {
        let dir = std::env::temp_dir().join(format!("stack-file-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join("stack.json");
        let text = r#"{"apiUrl":"http://127.0.0.1:3000","queues":{"Q":"http://q/1"}}"#;
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let stack = StackFile::read(&path.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stack.field("queues", "Q"), Ok("http://q/1".to_owned()));
        assert_eq!(
            stack.field("", "apiUrl"),
            Ok("http://127.0.0.1:3000".to_owned())
        );
        let missing = stack.field("queues", "R").err().unwrap_or_default();
        assert!(
            missing.contains("has no queues.R") && missing.contains("restart"),
            "{missing}"
        );
        std::fs::write(&path, "not json").unwrap_or_else(|e| panic!("{e}"));
        let error = StackFile::read(&path.display().to_string())
            .err()
            .unwrap_or_default();
        assert!(error.contains("is not JSON"), "{error}");
        let none = StackFile::read(&dir.join("none.json").display().to_string()).err();
        assert!(none.is_some_and(|e| e.contains("is `make run` running?")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
