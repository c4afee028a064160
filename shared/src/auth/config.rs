//! Where the verifier finds the user pool: issuer, app client and key set.

/// The user pool whose IdTokens are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// Exact `iss` of accepted tokens: `https://cognito-idp.{region}.amazonaws.com/{poolId}`.
    pub issuer: String,
    /// Exact `aud` of accepted tokens: the app client id.
    pub audience: String,
    /// Where the pool's JSON Web Key Set is served.
    pub jwks_url: String,
}

impl AuthConfig {
    /// Reads `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID` and `AWS_REGION`, with the
    /// optional overrides `COGNITO_ISSUER` and `COGNITO_JWKS_URL` (locally, moto's
    /// `<moto>/<poolId>/.well-known/jwks.json`). `None` when the pool is not configured.
    pub fn from_env() -> Option<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`AuthConfig::from_env`], reading variables through `lookup`. Empty values
    /// count as unset. Without `AWS_REGION` (or `AWS_DEFAULT_REGION`) the region is taken
    /// from the pool id, which Cognito prefixes with it (`us-east-1_AbCdEf`).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let var = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let pool_id = var("COGNITO_USER_POOL_ID")?;
        let audience = var("COGNITO_CLIENT_ID")?;
        let issuer = match var("COGNITO_ISSUER") {
            Some(issuer) => issuer,
            None => {
                let region = var("AWS_REGION")
                    .or_else(|| var("AWS_DEFAULT_REGION"))
                    .or_else(|| region_of_pool(&pool_id))?;
                format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}")
            }
        };
        let jwks_url = var("COGNITO_JWKS_URL")
            .unwrap_or_else(|| format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')));
        Some(Self {
            issuer,
            audience,
            jwks_url,
        })
    }
}

fn region_of_pool(pool_id: &str) -> Option<String> {
    pool_id
        .split_once('_')
        .map(|(region, _)| region.to_owned())
        .filter(|region| !region.is_empty())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Option<AuthConfig> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        AuthConfig::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_issuer_and_key_set_default_to_the_cognito_urls_of_the_pool() {
        let config = config(&[
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC"),
            ("COGNITO_CLIENT_ID", "client-1"),
            ("AWS_REGION", "eu-west-1"),
        ]);
        assert_eq!(
            config,
            Some(AuthConfig {
                issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC".to_owned(),
                audience: "client-1".to_owned(),
                jwks_url: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json"
                    .to_owned(),
            })
        );
    }

    #[test]
    fn the_key_set_url_and_issuer_can_be_overridden_for_the_emulator() {
        let config = config(&[
            ("COGNITO_USER_POOL_ID", "us-east-1_X"),
            ("COGNITO_CLIENT_ID", "c"),
            ("AWS_REGION", "us-east-1"),
            (
                "COGNITO_JWKS_URL",
                "http://127.0.0.1:5000/us-east-1_X/.well-known/jwks.json",
            ),
        ])
        .unwrap_or_else(|| panic!("configured"));
        assert_eq!(
            config.issuer,
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X"
        );
        assert_eq!(
            config.jwks_url,
            "http://127.0.0.1:5000/us-east-1_X/.well-known/jwks.json"
        );

        let config = self::config(&[
            ("COGNITO_USER_POOL_ID", "p"),
            ("COGNITO_CLIENT_ID", "c"),
            ("COGNITO_ISSUER", "https://issuer.example/p/"),
        ])
        .unwrap_or_else(|| panic!("configured"));
        assert_eq!(config.issuer, "https://issuer.example/p/");
        assert_eq!(
            config.jwks_url,
            "https://issuer.example/p/.well-known/jwks.json"
        );
    }

    #[test]
    fn the_region_comes_from_the_pool_id_when_the_environment_has_none() {
        let config = config(&[
            ("COGNITO_USER_POOL_ID", "ap-south-1_Q"),
            ("COGNITO_CLIENT_ID", "c"),
        ]);
        assert_eq!(
            config.map(|c| c.issuer).as_deref(),
            Some("https://cognito-idp.ap-south-1.amazonaws.com/ap-south-1_Q")
        );
    }

    #[test]
    fn a_missing_or_empty_pool_or_client_means_no_verifier() {
        assert_eq!(
            config(&[("COGNITO_CLIENT_ID", "c"), ("AWS_REGION", "us-east-1")]),
            None
        );
        assert_eq!(
            config(&[
                ("COGNITO_USER_POOL_ID", "us-east-1_X"),
                ("COGNITO_CLIENT_ID", " ")
            ]),
            None
        );
        assert_eq!(
            config(&[
                ("COGNITO_USER_POOL_ID", "nopool"),
                ("COGNITO_CLIENT_ID", "c")
            ]),
            None
        );
    }
}
