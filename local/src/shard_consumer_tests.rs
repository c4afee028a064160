use super::*;

fn record(n: usize) -> EventRecord {
    let mut record = EventRecord::default();
    record.change.sequence_number = Some(n.to_string());
    record
}

fn sequence(buffer: &VecDeque<Arrived>) -> Vec<String> {
    buffer
        .iter()
        .filter_map(|a| a.record.change.sequence_number.clone())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_window_gathers_records_arriving_after_the_first_until_it_ends() {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let feeder = tokio::spawn(async move {
        for (n, after_ms) in [(1, 0), (2, 300), (3, 300), (4, 1000)] {
            tokio::time::sleep(Duration::from_millis(after_ms)).await;
            let _ = sender.send(record(n));
        }
        sender
    });
    let mut buffer = VecDeque::new();
    assert!(gather(&mut receiver, &mut buffer, 100, Duration::from_secs(1)).await);
    assert_eq!(
        sequence(&buffer),
        ["1", "2", "3"],
        "the records within a second of the first, not the one after"
    );
    let _sender = feeder.await;
}

#[tokio::test(start_paused = true)]
async fn a_full_batch_is_handed_over_without_waiting_for_the_window() {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    for n in 0..5 {
        let _ = sender.send(record(n));
    }
    let started = Instant::now();
    let mut buffer = VecDeque::new();
    assert!(gather(&mut receiver, &mut buffer, 3, Duration::from_secs(300)).await);
    assert_eq!(buffer.len(), 5, "what had arrived is buffered");
    assert_eq!(started.elapsed(), Duration::ZERO, "no virtual time passed");
}

#[tokio::test(start_paused = true)]
async fn the_window_starts_when_the_first_record_arrives() {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let feeder = tokio::spawn(async move {
        // An idle shard for a long while, then two records half a window apart.
        tokio::time::sleep(Duration::from_secs(60)).await;
        let _ = sender.send(record(1));
        tokio::time::sleep(Duration::from_millis(500)).await;
        let _ = sender.send(record(2));
        sender
    });
    let mut buffer = VecDeque::new();
    assert!(gather(&mut receiver, &mut buffer, 100, Duration::from_secs(1)).await);
    assert_eq!(sequence(&buffer), ["1", "2"]);
    let _sender = feeder.await;
}

#[tokio::test]
async fn a_closed_source_ends_the_gathering() {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<EventRecord>();
    drop(sender);
    let mut buffer = VecDeque::new();
    assert!(!gather(&mut receiver, &mut buffer, 10, Duration::from_secs(1)).await);
    assert!(buffer.is_empty());
}
