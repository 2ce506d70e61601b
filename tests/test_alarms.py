"""configs/alarms.cfn.yaml (docs/ALERTS.md): it passes cfn-lint; each alarm, for an
endpoint's runs and for a batch transform's, is a valid PutMetricAlarm request whose metric
name, namespace and dimension set are those of a line the job itself writes (an alarm on a
dimension set nobody publishes never fires); the EventBridge rules, created on a moto
server with a queue as their target, pass on a run that ended with violations or failed,
and nothing else."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.data_quality.test_cloudwatch import constraints
from tests.test_recipes import _Tagged, resolve

TEMPLATE = Path(__file__).resolve().parents[1] / "configs" / "alarms.cfn.yaml"
WHEN = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)
GIVEN = {
    "DataQualitySchedule": "dq-hourly",
    "FeatureName": "s",  # the helper's profile drifts for s (x has no distribution)
    "ModelQualitySchedule": "mq-hourly",
    "ModelQualityMetric": "mae",
    "ModelQualityComparison": "GreaterThanThreshold",
    "BiasSchedule": "bias-daily",
    "BiasLabel": "y",
    "BiasFacet": "f",
    "BiasFacetValue": "0",
    "ExplainabilitySchedule": "explain-daily",
    "AttributionFeature": "age",
    "CustomCheckName": "email_ok",
}


def resolved(endpoint: str) -> dict[str, Any]:
    """The template's resources with its parameters (defaults, GIVEN, the endpoint) and
    conditions applied: CloudFormation's Ref, Sub, If, Not and Equals."""
    template = yaml.load(TEMPLATE.read_text(), Loader=_Tagged)
    params = {k: str(v.get("Default", "")) for k, v in template["Parameters"].items()}
    params.update(GIVEN, EndpointName=endpoint, AlertTopic="arn:aws:sns:us-east-1:1:alerts")
    conditions = {
        name: bool(resolve(test, params)) for name, test in template["Conditions"].items()
    }
    return {
        name: resolve(resource, params, conditions=conditions)
        for name, resource in template["Resources"].items()
        if conditions.get(resource.get("Condition", ""), True)
    }


def custom_lines(dq: Any) -> list[dict[str, Any]]:
    """The data-quality lines of a run with one custom check (``email_ok``)."""
    from monitor_job.contract.custom_checks import parse_check_file
    from monitor_job.data_quality.cloudwatch import metric_lines, metric_target
    from monitor_job.data_quality.custom import judged
    from tests.data_quality.test_cloudwatch import profile

    text = "checks:\n  - {name: email_ok, rule: containsEmail, column: x}\n"
    [check] = parse_check_file(text).checks
    prof = profile()
    lines = metric_lines(
        metric_target(dq), prof, evaluate_nothing(), constraints(), [judged(check, 0.97)]
    )
    return [line for line in lines if line["MetricName"].startswith("custom_")]


def evaluate_nothing() -> Any:
    from monitor_job.data_quality.checks import Evaluation

    return Evaluation((), {})


def written_lines(endpoint: str) -> list[tuple[str, dict[str, Any]]]:
    """(namespace, line) of what each monitor type's code writes for these schedules."""
    from monitor_job.bias.cloudwatch import bias_lines, bias_target
    from monitor_job.explainability.cloudwatch import explainability_lines, explainability_target
    from monitor_job.model_quality.cloudwatch import metric_target
    from monitor_job.outputs.cloudwatch import value_lines
    from tests.data_quality.test_cloudwatch import config, lines_for

    named = {"sagemaker_endpoint_name": endpoint} if endpoint else {}
    dq = config(**named, sagemaker_monitoring_schedule_name=GIVEN["DataQualitySchedule"])
    from monitor_job.data_quality.cloudwatch import metric_target as dq_target

    out = [(dq_target(dq).namespace, line) for line in lines_for(dq, constraints())]
    out += [(dq_target(dq).namespace, line) for line in custom_lines(dq)]
    mq = config(**named, sagemaker_monitoring_schedule_name=GIVEN["ModelQualitySchedule"])
    out += [(metric_target(mq).namespace, line)
            for line in value_lines(metric_target(mq), {"mae": 0.3, "rmse": 0.5})]  # fmt: skip
    target = bias_target(endpoint or None, GIVEN["BiasSchedule"], WHEN)
    facet = {"value_or_threshold": "0", "metrics": [{"name": "DPPL", "value": 0.31}]}
    analysis = {"post_training_bias_metrics": {"label": "y", "label_value_or_threshold": "1",
                                               "facets": {"f": [facet]}}}  # fmt: skip
    out += [(target.namespace, line) for line in bias_lines(target, analysis)]
    target = explainability_target(endpoint or None, GIVEN["ExplainabilitySchedule"], WHEN)
    shap = {"label0": {"global_shap_values": {"age": 0.2, "zip": 0.01}, "expected_value": 0.4}}
    analysis = {"explanations": {"kernel_shap": shap}}
    out += [(target.namespace, line) for line in explainability_lines(target, analysis)]
    return out


def test_the_alarms_template_passes_cfn_lint() -> None:
    from cfnlint.api import lint_file

    assert [str(m) for m in lint_file(TEMPLATE)] == []


@pytest.mark.parametrize("endpoint", ["churn", ""], ids=["endpoint", "batch"])
def test_each_alarm_watches_a_metric_the_job_writes(endpoint: str) -> None:
    import botocore.session
    from botocore.validate import validate_parameters

    shape = (
        botocore.session.get_session()
        .get_service_model("cloudwatch")
        .operation_model("PutMetricAlarm")
        .input_shape
    )
    lines = written_lines(endpoint)
    alarms = {n: r["Properties"] for n, r in resolved(endpoint).items()
              if r["Type"] == "AWS::CloudWatch::Alarm"}  # fmt: skip
    assert set(alarms) == {
        "FeatureDriftAlarm", "FeatureCompletenessAlarm", "ViolationsAlarm", "NoRunAlarm",
        "ModelQualityAlarm", "BiasAlarm", "AttributionAlarm", "CustomCheckAlarm",
    }  # fmt: skip
    for name, alarm in alarms.items():
        request = {**alarm, "AlarmName": name, "Threshold": float(alarm["Threshold"])}
        for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if key in request:
                request[key] = int(request[key])
        validate_parameters(request, shape)
        dims = {(d["Name"], d["Value"]) for d in alarm["Dimensions"]}
        matching = [
            line for namespace, line in lines
            if namespace == alarm["Namespace"] and line["MetricName"] == alarm["MetricName"]
            and {(d["Name"], d["Value"]) for d in line["Dimensions"]} == dims
        ]  # fmt: skip
        assert matching, (name, alarm["Namespace"], alarm["MetricName"], sorted(dims))
    assert alarms["NoRunAlarm"]["TreatMissingData"] == "breaching"


def test_a_run_with_violations_or_a_failure_reaches_the_topic(aws) -> None:
    """The two rules on a moto server, a queue standing in for the topic: a run that ended
    with violations and a failed run are delivered; a clean run, and another job's
    violations, are not."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    rules = {n: r["Properties"] for n, r in resolved("churn").items()
             if r["Type"] == "AWS::Events::Rule"}  # fmt: skip
    assert set(rules) == {"RunWithViolations", "RunFailed"}
    for name, rule in rules.items():
        events.put_rule(Name=name, EventPattern=json.dumps(rule["EventPattern"]))
        events.put_targets(
            Rule=name, Targets=[{"Id": "alerts", "Arn": arn["Attributes"]["QueueArn"]}]
        )

    def run(job: str, status: str, message: str) -> dict[str, Any]:
        return {
            "Source": "aws.sagemaker",
            "DetailType": "SageMaker Processing Job State Change",
            "Detail": json.dumps(
                {"ProcessingJobName": job, "ProcessingJobStatus": status, "ExitMessage": message}
            ),
        }

    done = "Job completed successfully with"
    sent = [
        run("monitor-job-1", "Completed", f"CompletedWithViolations: {done} 2 violations."),
        run("monitor-job-2", "Completed", f"Completed: {done} no violations."),
        run("monitor-job-3", "Failed", "InputDataError: no data in the window"),
        run("training-4", "Completed", "CompletedWithViolations: someone else's"),
    ]
    events.put_events(Entries=sent)
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2)
    jobs = sorted(json.loads(m["Body"])["detail"]["ProcessingJobName"]
                  for m in got.get("Messages", []))  # fmt: skip
    assert jobs == ["monitor-job-1", "monitor-job-3"]
