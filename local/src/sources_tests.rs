#![allow(clippy::unwrap_used)]

use super::queue_schedules;
use crate::schedule_source::Expression;
use crate::template::{Resolver, Template};

/// A resolver that knows queue `Q` (its ARN and URL), as provisioning leaves it.
fn resolver() -> Resolver {
    let mut resolver = Resolver::default();
    resolver
        .attrs
        .insert("Q.Arn".into(), "arn:aws:sqs:us-east-1:1:q".into());
    resolver.refs.insert("Q".into(), "http://moto/1/q".into());
    resolver
}

#[test]
fn the_templates_monthly_statements_schedule_is_run_against_its_queue() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yml");
    let template = Template::load(&path).unwrap();
    let mut resolver = Resolver::default();
    resolver.attrs.insert(
        "StatementsQueue.Arn".into(),
        "arn:aws:sqs:us-east-1:1:s".into(),
    );
    resolver
        .refs
        .insert("StatementsQueue".into(), "http://moto/1/s".into());
    let schedules = queue_schedules(&template, &resolver);
    let schedule = schedules
        .iter()
        .find(|s| s.id == "StatementsSchedule")
        .unwrap();
    assert_eq!(schedule.queue_url, "http://moto/1/s");
    assert_eq!(schedule.input, r#"{"kind":"run"}"#);
    assert_eq!(
        schedule.expression,
        Expression::parse("cron(0 2 1 * ? *)").unwrap()
    );
}

#[test]
fn schedules_that_cannot_be_run_locally_are_left_out() {
    let schedule = |name: &str, extra: &str, target: &str| {
        format!(
            "  {name}:\n    Type: AWS::Scheduler::Schedule\n    Properties:\n      ScheduleExpression: {}\n{extra}      Target:\n{target}",
            if name == "BadCron" {
                "cron(0 2 L * ? *)"
            } else {
                "rate(1 day)"
            },
        )
    };
    let to_queue = "        Arn: !GetAtt Q.Arn\n        Input: '{}'\n";
    let text = [
        "Resources:\n".to_owned(),
        schedule("Runs", "", to_queue),
        schedule("Disabled", "      State: DISABLED\n", to_queue),
        schedule(
            "Paris",
            "      ScheduleExpressionTimezone: Europe/Paris\n",
            to_queue,
        ),
        schedule("BadCron", "", to_queue),
        schedule(
            "ToLambda",
            "",
            "        Arn: arn:aws:lambda:us-east-1:1:function:f\n        Input: '{}'\n",
        ),
        schedule("NoInput", "", "        Arn: !GetAtt Q.Arn\n"),
    ]
    .concat();
    let template = Template::parse(&text).unwrap();
    let ids: Vec<String> = queue_schedules(&template, &resolver())
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, ["Runs"]);
}
