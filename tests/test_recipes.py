"""The scheduling recipes in configs/schedules/ are what they claim: the CloudFormation
template passes cfn-lint, the request its schedule sends is a valid CreateProcessingJob
(botocore's own validation against the SageMaker API model) whose environment resolves to
the previous full hour; the Kubernetes CronJob's environment does too."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from monitor_job.contract import config_from_mapping

SCHEDULES = Path(__file__).resolve().parents[1] / "configs" / "schedules"


class _Tagged(yaml.SafeLoader):
    """CloudFormation's short forms (!Sub, !GetAtt, !Ref) read as plain data."""


def _tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, object]:
    if isinstance(node, yaml.ScalarNode):
        value: object = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


_Tagged.add_multi_constructor("!", _tag)


def test_the_cloudformation_template_passes_cfn_lint() -> None:
    from cfnlint.api import lint_file

    for name in ("eventbridge-scheduler.cfn.yaml", "eventbridge-batch-scheduler.cfn.yaml"):
        matches = lint_file(SCHEDULES / name)
        assert [str(m) for m in matches] == [], name
    text = (
        (SCHEDULES / "eventbridge-scheduler.cfn.yaml")
        .read_text()
        .replace("FlexibleTimeWindow", "FlexibleWindow")
    )
    assert lint_text(text)  # the linter does read what it is given


def lint_text(text: str) -> list[str]:
    import tempfile

    from cfnlint.api import lint_file

    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as handle:
        handle.write(text)
        handle.flush()
        return [str(m) for m in lint_file(Path(handle.name))]


def scheduled_request(
    schedule: str, scheduled_time: str, name: str = "eventbridge-scheduler.cfn.yaml"
) -> dict[str, Any]:
    """The CreateProcessingJob request ``schedule`` (of the template ``name``) sends when
    Scheduler fires it at ``scheduled_time``, validated against botocore's SageMaker
    model."""
    import botocore.session
    from botocore.validate import validate_parameters

    template = yaml.load((SCHEDULES / name).read_text(), Loader=_Tagged)
    target = template["Resources"][schedule]["Properties"]["Target"]
    assert target["Arn"] == "arn:aws:scheduler:::aws-sdk:sagemaker:createProcessingJob"
    text, _ = target["Input"]["Sub"]
    values = {
        "${RoleArn}": "arn:aws:iam::123456789012:role/monitor-job",
        "${ImageUri}": "123456789012.dkr.ecr.us-east-1.amazonaws.com/monitor-job:1",
        "${InstanceType}": "ml.m5.xlarge",
        "${CaptureS3Uri}": "s3://data/capture/churn/AllTraffic",
        "${CaptureDestinationS3Uri}": "s3://data/transform-capture",
        "${BaselineS3Uri}": "s3://data/baseline",
        "${OutputS3Uri}": "s3://data/monitoring",
        "${EndpointName}": "churn",
        # what Scheduler puts in
        "<aws.scheduler.execution-id>": "d32c5kddcf5bb8c3",
        "<aws.scheduler.scheduled-time>": scheduled_time,
    }
    for key, value in values.items():
        text = text.replace(key, value)
    request: dict[str, Any] = json.loads(text)
    model = botocore.session.get_session().get_service_model("sagemaker")
    validate_parameters(request, model.operation_model("CreateProcessingJob").input_shape)
    return request


def test_the_schedule_sends_a_valid_request_for_the_previous_hour() -> None:
    request = scheduled_request("HourlyMonitoring", "2024-03-01T13:15:00Z")  # 13:15
    config = config_from_mapping(request["Environment"], container_mode=True)
    assert (config.start_time, config.end_time) == (
        datetime(2024, 3, 1, 12, tzinfo=timezone.utc),
        datetime(2024, 3, 1, 13, tzinfo=timezone.utc),
    )
    assert config.output_path == "s3://data/monitoring/hourly/2024/03/01/13"
    assert config.is_monitoring and config.publish_cloudwatch_metrics


def test_the_daily_rollup_reads_yesterdays_hourly_runs() -> None:
    """At 00:45 on March 1st of a leap year: February 29th, from the hourly runs' prefix."""
    request = scheduled_request("DailyRollup", "2024-03-01T00:45:00Z")
    hourly = scheduled_request("HourlyMonitoring", "2024-02-29T13:15:00Z")
    config = config_from_mapping(request["Environment"], container_mode=True)
    assert config.dataset_format.is_runs and config.is_monitoring
    assert (config.start_time, config.end_time) == (
        datetime(2024, 2, 29, tzinfo=timezone.utc),
        datetime(2024, 3, 1, tzinfo=timezone.utc),
    )
    assert hourly["Environment"]["output_path"].startswith(config.dataset_source)
    assert config.output_path == "s3://data/monitoring/daily/2024/03/01"
    assert not config.output_path.startswith(config.dataset_source)  # not a run of its own
    assert request["ProcessingJobName"] != hourly["ProcessingJobName"]


def test_the_nightly_batch_schedule_reads_the_previous_days_transforms() -> None:
    """At 03:00: the capture destination's manifests of the previous 24 hours, both sides
    paired, in the batch namespace (no endpoint)."""
    request = scheduled_request(
        "NightlyBatchMonitoring", "2024-03-02T03:00:00Z", "eventbridge-batch-scheduler.cfn.yaml"
    )
    config = config_from_mapping(request["Environment"], container_mode=True)
    assert config.dataset_format.batch is not None
    assert config.dataset_format.batch.sides == ("input", "output")
    assert config.dataset_source == "s3://data/transform-capture"
    assert (config.start_time, config.end_time) == (
        datetime(2024, 3, 1, 3, tzinfo=timezone.utc),
        datetime(2024, 3, 2, 3, tzinfo=timezone.utc),
    )
    assert config.output_path == "s3://data/monitoring/batch/2024/03/02"
    assert config.is_monitoring and config.endpoint_name is None


def test_the_cronjob_reads_the_previous_hour() -> None:
    manifest = yaml.safe_load((SCHEDULES / "k8s-cronjob.yaml").read_text())
    assert (manifest["apiVersion"], manifest["kind"]) == ("batch/v1", "CronJob")
    [container] = manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    before = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    config = config_from_mapping(env, container_mode=True)
    after = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    assert config.end_time in (before, after)
    assert (config.end_time - config.start_time).total_seconds() == 3600
    assert config.output_path.endswith(config.end_time.strftime("/%Y/%m/%d/%H"))


def test_the_daily_rollup_cronjob_reads_yesterday() -> None:
    manifest = yaml.safe_load((SCHEDULES / "k8s-cronjob-daily-rollup.yaml").read_text())
    hourly = yaml.safe_load((SCHEDULES / "k8s-cronjob.yaml").read_text())

    def env_of(m: dict[str, Any]) -> dict[str, str]:
        [container] = m["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        return {e["name"]: e["value"] for e in container["env"]}

    env = env_of(manifest)
    config = config_from_mapping(
        {
            **env,
            "scheduled_time": "2024-12-31T00:00:00Z",
        }  # the default at 00:30, container_mode=True
    )
    assert config.dataset_format.is_runs
    assert (config.start_time, config.end_time) == (
        datetime(2024, 12, 30, tzinfo=timezone.utc),
        datetime(2024, 12, 31, tzinfo=timezone.utc),
    )
    assert env_of(hourly)["output_path"].startswith(config.dataset_source)
    assert not config.output_path.startswith(config.dataset_source)


PARAMETERS = {
    "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/monitor-job:1",
    "EndpointName": "churn",
    "BatchCaptureS3Uri": "s3://data/transform-capture",
    "BaselineS3Uri": "s3://data/baseline",
    "ModelQualityBaselineS3Uri": "s3://data/mq-baseline",
    "GroundTruthS3Uri": "s3://data/ground-truth",
    "OutputS3Uri": "s3://data/monitoring",
    "DataBucket": "data",
    "InstanceType": "ml.m5.xlarge",
}


def resolve(
    value: Any,
    params: dict[str, str],
    resources: dict[str, Any] | None = None,
    conditions: dict[str, bool] | None = None,
) -> Any:
    """CloudFormation's intrinsic functions (Ref, Sub, GetAtt, If, Not, Equals) of a
    template, with the given parameters, resources and evaluated conditions."""

    def go(node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            [(kind, arg)] = node.items()
            if kind == "Ref":
                return params[arg]
            if kind == "Sub":
                text = str(arg)
                for key, given in params.items():
                    text = text.replace("${" + key + "}", given)
                return text
            if kind == "GetAtt":
                name, attribute = arg.split(".") if isinstance(arg, str) else arg
                if attribute == "Arn":
                    return f"arn:aws:iam::123456789012:role/{name}"
                return go((resources or {})[name]["Properties"][attribute])
            if kind == "If":
                name, yes, no = arg
                return go(yes if (conditions or {})[name] else no)
            if kind == "Not":
                return not go(arg[0])
            if kind == "Equals":
                return go(arg[0]) == go(arg[1])
        if isinstance(node, dict):
            return {k: go(v) for k, v in node.items()}
        if isinstance(node, list):
            return [go(v) for v in node]
        return node

    return go(value)


def test_the_model_monitor_template_defines_valid_jobs_and_schedules() -> None:
    """configs/model-monitor.cfn.yaml (for accounts that still have Model Monitor): it
    passes cfn-lint, and each job definition and schedule is a valid request of the API
    CloudFormation calls (botocore's validation against the SageMaker model), with this
    image; the batch one reads a transform's capture destination."""
    import botocore.session
    from botocore.validate import validate_parameters
    from cfnlint.api import lint_file

    path = SCHEDULES.parent / "model-monitor.cfn.yaml"
    assert [str(m) for m in lint_file(path)] == []
    template = yaml.load(path.read_text(), Loader=_Tagged)
    resources = template["Resources"]
    model = botocore.session.get_session().get_service_model("sagemaker")
    operations = {
        "AWS::SageMaker::DataQualityJobDefinition": "CreateDataQualityJobDefinition",
        "AWS::SageMaker::ModelQualityJobDefinition": "CreateModelQualityJobDefinition",
        "AWS::SageMaker::MonitoringSchedule": "CreateMonitoringSchedule",
    }
    seen: dict[str, int] = {}
    for resource in resources.values():
        operation = operations.get(resource["Type"])
        if operation is None:
            continue
        request = resolve(resource["Properties"], PARAMETERS, resources)
        request.pop("EndpointName", None)  # the schedule's own property, not the API's
        validate_parameters(request, model.operation_model(operation).input_shape)
        seen[operation] = seen.get(operation, 0) + 1
        for spec in ("DataQualityAppSpecification", "ModelQualityAppSpecification"):
            if spec in request:
                assert request[spec]["ImageUri"] == PARAMETERS["ImageUri"]
    assert seen == {
        "CreateDataQualityJobDefinition": 2,
        "CreateModelQualityJobDefinition": 1,
        "CreateMonitoringSchedule": 3,
    }
    batch = resolve(resources["BatchDataQuality"]["Properties"], PARAMETERS, resources)
    given = batch["DataQualityJobInput"]["BatchTransformInput"]
    assert given["DataCapturedDestinationS3Uri"] == PARAMETERS["BatchCaptureS3Uri"]
