use super::*;

const RULES: Rules = Rules {
    batch_size: 100,
    max_retries: 2,
    bisect: true,
    report_batch_item_failures: true,
};

/// `(first record, records)` of a batch or a discarded run.
type Ranges = Vec<(usize, usize)>;

/// Drives a shard of `records` records where the record at `bad` always fails the
/// way `fail` says; returns the batches invoked (start, len) and the discarded ranges.
fn drive(
    rules: &Rules,
    records: usize,
    bad: usize,
    fail: fn(usize) -> Outcome,
) -> (Ranges, Ranges) {
    let mut state = ShardState::default();
    let (mut head, mut batches, mut discarded) = (0, Vec::new(), Vec::new());
    while head < records && batches.len() < 1000 {
        let len = state.next_len(rules, records - head);
        batches.push((head, len));
        let outcome = if (head..head + len).contains(&bad) {
            fail(bad - head)
        } else {
            Outcome::Success
        };
        let step = state.decide(rules, len, outcome);
        head += step.checkpoint;
        if step.discard > 0 {
            discarded.push((head, step.discard));
            head += step.discard;
        }
    }
    (batches, discarded)
}

#[test]
fn a_function_error_bisects_the_batch_until_the_bad_record_is_alone_then_retries_count() {
    let (batches, discarded) = drive(&RULES, 8, 5, |_| Outcome::FunctionError);
    assert_eq!(
        batches,
        vec![
            (0, 8),
            (0, 4),
            (4, 4),
            (4, 2),
            (4, 1),
            (5, 1),
            (5, 1),
            (5, 1),
            (6, 2)
        ],
        "halves, then the first half's halves; the bad record alone is tried 1 + 2 times"
    );
    assert_eq!(discarded, vec![(5, 1)], "only the bad record is discarded");
}

#[test]
fn an_item_failure_checkpoints_before_the_failed_record_and_retries_from_it() {
    let (batches, discarded) = drive(&RULES, 8, 5, Outcome::ItemFailure);
    assert_eq!(
        batches,
        vec![(0, 8), (5, 3), (5, 3)],
        "records before the failure are checkpointed; the rest of the batch is retried"
    );
    assert_eq!(
        discarded,
        vec![(5, 3)],
        "after the retries, the failed record and those after it in the batch are discarded"
    );
}

#[test]
fn without_bisection_a_failing_batch_is_retried_whole_then_discarded_whole() {
    let rules = Rules {
        bisect: false,
        ..RULES
    };
    let (batches, discarded) = drive(&rules, 8, 5, |_| Outcome::FunctionError);
    assert_eq!(batches, vec![(0, 8), (0, 8), (0, 8)]);
    assert_eq!(discarded, vec![(0, 8)]);
}

#[test]
fn without_report_batch_item_failures_an_item_failure_is_ignored_as_aws_ignores_it() {
    let rules = Rules {
        report_batch_item_failures: false,
        ..RULES
    };
    let (batches, discarded) = drive(&rules, 8, 5, Outcome::ItemFailure);
    assert_eq!(batches, vec![(0, 8)]);
    assert!(discarded.is_empty());
}

#[test]
fn an_item_failure_naming_no_record_of_the_batch_fails_it_as_a_whole() {
    let mut state = ShardState::default();
    let step = state.decide(&RULES, 4, Outcome::ItemFailure(9));
    assert_eq!(step, Step::default(), "bisected: nothing checkpointed");
    assert_eq!(state.next_len(&RULES, 10), 2);
}

#[test]
fn unlimited_retries_never_discard() {
    let rules = Rules {
        max_retries: -1,
        ..RULES
    };
    let mut state = ShardState::default();
    for _ in 0..50 {
        let step = state.decide(&rules, 1, Outcome::FunctionError);
        assert_eq!((step.discard, step.back_off), (0, true));
    }
    assert_eq!(state.attempts(), 50);
}

#[test]
fn after_a_bisection_the_shard_goes_back_to_full_batches() {
    let mut state = ShardState::default();
    state.decide(&RULES, 10, Outcome::FunctionError);
    assert!(state.retrying());
    assert_eq!(state.next_len(&RULES, 500), 5);
    state.decide(&RULES, 5, Outcome::Success);
    assert_eq!(state.next_len(&RULES, 500), 5);
    state.decide(&RULES, 5, Outcome::Success);
    assert!(!state.retrying());
    assert_eq!(state.next_len(&RULES, 500), 100);
}

#[test]
fn expired_records_restart_the_retry_count() {
    let mut state = ShardState::default();
    state.decide(&RULES, 1, Outcome::FunctionError);
    assert_eq!(state.attempts(), 1);
    state.expired(1);
    assert_eq!(state.attempts(), 0);
    assert!(!state.retrying());
}

#[test]
fn one_partition_key_always_lands_on_the_same_virtual_shard_and_keys_spread() {
    let shards = 4;
    let mut counts = [0usize; 4];
    for i in 0..400 {
        let key = format!("user-{i}#key-{i}");
        let shard = virtual_shard(&key, shards);
        assert_eq!(shard, virtual_shard(&key, shards), "stable");
        counts[shard] += 1;
    }
    assert!(counts.iter().all(|c| *c > 50), "spread: {counts:?}");
    assert_eq!(virtual_shard("anything", 1), 0);
    assert_eq!(virtual_shard("anything", 0), 0);
    // Known value: the hash does not depend on the process or the build.
    assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
}

#[test]
fn the_partition_key_is_the_tables_hash_key() {
    let mut record = EventRecord::default();
    record.change.keys.insert(
        "idempotencyKey".to_owned(),
        serde_dynamo::AttributeValue::S("u#k".to_owned()),
    );
    assert_eq!(partition_key(&record, Some("idempotencyKey")), "u#k");
    let without_name = partition_key(&record, None);
    assert!(without_name.contains("u#k"), "{without_name}");
}
