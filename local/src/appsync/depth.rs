//! The depth of an operation, as AppSync's `QueryDepthLimit` counts it: the longest
//! chain of nested fields, through fragments.

use apollo_compiler::ExecutableDocument;
use apollo_compiler::executable::{Field, Selection, SelectionSet};
use apollo_compiler::validation::Valid;

/// The depth of the operation: the longest chain of nested fields.
pub fn depth(document: &Valid<ExecutableDocument>, operation: Option<&str>) -> usize {
    document.operations.get(operation).map_or(0, |operation| {
        set_depth(document, &operation.selection_set, 0)
    })
}

fn set_depth(document: &ExecutableDocument, set: &SelectionSet, seen: usize) -> usize {
    // Fragments cannot cycle in a valid document; the bound guards anyway.
    if seen > 64 {
        return seen;
    }
    set.selections
        .iter()
        .map(|selection| match selection {
            Selection::Field(field) => 1 + field_depth(document, field, seen),
            Selection::InlineFragment(fragment) => {
                set_depth(document, &fragment.selection_set, seen + 1)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.fragment_name)
                .map_or(0, |f| set_depth(document, &f.selection_set, seen + 1)),
        })
        .max()
        .unwrap_or(0)
}

fn field_depth(document: &ExecutableDocument, field: &Field, seen: usize) -> usize {
    set_depth(document, &field.selection_set, seen + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use apollo_compiler::Schema;

    #[test]
    fn depth_counts_nested_fields_through_fragments() {
        let schema = Schema::parse_and_validate(
            "type Query { node: Node } type Node { id: ID child: Node }",
            "s.graphql",
        )
        .unwrap_or_else(|e| panic!("{}", e.errors));
        let doc = |q: &str| {
            ExecutableDocument::parse_and_validate(&schema, q, "q.graphql")
                .unwrap_or_else(|e| panic!("{}", e.errors))
        };
        assert_eq!(depth(&doc("{ node { id } }"), None), 2);
        assert_eq!(depth(&doc("{ node { child { child { id } } } }"), None), 4);
        let fragment = "fragment F on Node { child { id } } { node { ...F } }";
        assert_eq!(depth(&doc(fragment), None), 3);
        let inline = "{ node { ... on Node { child { child { id } } } } }";
        assert_eq!(depth(&doc(inline), None), 4);
    }
}
