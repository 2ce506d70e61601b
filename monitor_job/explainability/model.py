"""The model an explainability run explains, reached where it already runs, as one callable
``f(rows) -> outputs`` for the explainer:

- ``predictor.endpoint_name``: a SageMaker endpoint, through ``sagemaker-runtime``
  ``InvokeEndpoint`` (boto3, the standard AWS configuration; ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME``
  points it elsewhere);
- ``predictor.endpoint_url``: an HTTP server speaking the SageMaker inference container
  protocol (``POST /invocations``), e.g. a model image run with ``docker run ... serve``;
- ``predictor.predict_script``: a Python file defining ``predict(rows)`` (a 2-D float array
  in, one number or one row of numbers per row out), run in process.

A call sends all its rows, in as few requests as SageMaker's 6 MB payload limit allows;
throttling (HTTP 429/503, ``ThrottlingException``) is retried with backoff; requests, rows
and retries are counted. A failure, a timeout or an answer of the wrong shape is a
``ModelError`` naming the model and quoting the first bad answer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from monitor_job.errors import HandlerError, ModelError, raise_if_stopped
from monitor_job.explainability.config import PredictorConfig
from monitor_job.explainability.payload import decode, encode, one_row_per_request

RETRIED_STATUS = (429, 503)
ATTEMPTS = 5
_SCRIPTS: dict[str, Callable[..., Any]] = {}  # loaded predict functions, per worker process


@dataclass
class Calls:
    requests: int = 0
    rows: int = 0
    retries: int = 0


def _timed_out(config: PredictorConfig, rows: int) -> ModelError:
    return ModelError(
        f"{config.where} did not answer within {config.timeout_seconds:g} s "
        f"(a request of {rows} row(s))"
    )


class _Http:
    def __init__(self, config: PredictorConfig) -> None:
        import urllib3

        url = str(config.endpoint_url).rstrip("/")
        self.url = url if url.endswith("/invocations") else url + "/invocations"
        timeout = urllib3.Timeout(connect=config.timeout_seconds, read=config.timeout_seconds)
        self.pool = urllib3.PoolManager(maxsize=1, retries=False, timeout=timeout)
        self.headers = {"Content-Type": config.content_type, "Accept": config.accept_type}
        if config.custom_attributes:
            self.headers["X-Amzn-SageMaker-Custom-Attributes"] = config.custom_attributes
        self.config = config

    def send(self, body: bytes, rows: int, calls: Calls) -> bytes:
        import urllib3

        where = self.config.where
        for attempt in range(ATTEMPTS):
            try:
                answer = self.pool.request("POST", self.url, body=body, headers=self.headers)
            except urllib3.exceptions.TimeoutError:
                raise _timed_out(self.config, rows) from None
            except urllib3.exceptions.HTTPError as err:
                raise ModelError(f"cannot reach {where}: {type(err).__name__}: {err}") from None
            if answer.status == 200:
                return bytes(answer.data)
            if answer.status in RETRIED_STATUS and attempt + 1 < ATTEMPTS:
                calls.retries += 1
                time.sleep(0.1 * 2**attempt)
                continue
            text = bytes(answer.data)[:200].decode("utf-8", "replace")
            raise ModelError(
                f"{where} answered HTTP {answer.status} to a request of {rows} row(s): {text!r}"
            )
        raise AssertionError("unreachable")


class _SageMaker:
    def __init__(self, config: PredictorConfig) -> None:
        import boto3
        from botocore.config import Config

        self.client = boto3.client(
            "sagemaker-runtime",
            config=Config(
                connect_timeout=config.timeout_seconds,
                read_timeout=config.timeout_seconds,
                retries={"mode": "standard", "max_attempts": ATTEMPTS},
            ),
        )
        self.config = config

    def send(self, body: bytes, rows: int, calls: Calls) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

        config = self.config
        kwargs: dict[str, Any] = {
            "EndpointName": config.endpoint_name,
            "Body": body,
            "ContentType": config.content_type,
            "Accept": config.accept_type,
        }
        if config.custom_attributes:
            kwargs["CustomAttributes"] = config.custom_attributes
        if config.target_model:
            kwargs["TargetModel"] = config.target_model
        try:
            answer = self.client.invoke_endpoint(**kwargs)
        except ReadTimeoutError:
            raise _timed_out(config, rows) from None
        except ClientError as err:
            error = err.response.get("Error", {})
            raise ModelError(
                f"{config.where} answered {error.get('Code', 'an error')} to a request of "
                f"{rows} row(s): {str(error.get('Message', ''))[:200]!r}"
            ) from None
        except BotoCoreError as err:
            raise ModelError(f"cannot reach {config.where}: {err}") from None
        calls.retries += int(answer.get("ResponseMetadata", {}).get("RetryAttempts", 0))
        return bytes(answer["Body"].read())


def _script(config: PredictorConfig, source: str) -> Callable[..., Any]:
    from monitor_job.decode.preprocess import load_source

    key = hashlib.sha256(source.encode()).hexdigest()
    if key not in _SCRIPTS:
        try:
            _SCRIPTS[key], _ = load_source(source, str(config.predict_script), "predict")
        except HandlerError as err:
            raise ModelError(f"{config.where}: {err}") from None
    return _SCRIPTS[key]


class Model:
    """``f(rows)`` for the explainer: a (rows, outputs) float array for a (rows, features)
    one. Made where it is used (each Spark task makes its own); ``script_source`` is the
    predict script's text, read once by the driver."""

    def __init__(
        self, config: PredictorConfig, names: Sequence[str], script_source: str | None = None
    ) -> None:
        self.config = config
        self.names = tuple(names)
        self.calls = Calls()
        self._predict: Callable[..., Any] | None = None
        self._transport: _Http | _SageMaker | None = None
        if config.predict_script:
            assert script_source is not None
            self._predict = _script(config, script_source)
        elif config.endpoint_url:
            self._transport = _Http(config)
        else:
            self._transport = _SageMaker(config)

    def __call__(self, rows: Any) -> np.ndarray:
        data = np.asarray(rows, dtype=float)
        if data.ndim == 1:
            data = data[None, :]
        if self._predict is not None:
            return self._in_process(data)
        chunks = (
            [data[i : i + 1] for i in range(len(data))]
            if one_row_per_request(self.config)
            else self._chunks(data)
        )
        return np.vstack([self._remote(chunk) for chunk in chunks])

    def _chunks(self, data: np.ndarray) -> list[np.ndarray]:
        """Rows in as few requests as fit the payload limit (sized from the first row)."""
        per_row = len(encode(self.config, data[:1], self.names)) + 1
        fit = max(1, int(self.config.max_payload_bytes * 0.9) // per_row)
        return [data[i : i + fit] for i in range(0, len(data), fit)]

    def _remote(self, data: np.ndarray) -> np.ndarray:
        assert self._transport is not None
        body = encode(self.config, data, self.names)
        self.calls.requests += 1
        self.calls.rows += len(data)
        answer = self._transport.send(body, len(data), self.calls)
        try:
            return decode(self.config, answer, len(data))
        except ModelError as err:
            raise ModelError(f"{self.config.where}: {err}") from None

    def _in_process(self, data: np.ndarray) -> np.ndarray:
        assert self._predict is not None
        self.calls.requests += 1
        self.calls.rows += len(data)
        try:
            out = np.asarray(self._predict(data), dtype=float)
        except Exception as err:
            raise_if_stopped(err)
            message = f"{type(err).__name__}: {err}".splitlines()[0][:300]
            raise ModelError(f"{self.config.where}: predict raised {message}") from None
        if out.ndim == 1:
            out = out[:, None]
        selector = self.config.selector
        if isinstance(selector, int) and out.ndim == 2:
            out = out[:, [selector]]
        if out.ndim != 2 or out.shape[0] != len(data):
            raise ModelError(
                f"{self.config.where}: predict returned shape {out.shape} for {len(data)} row(s)"
            )
        if not np.isfinite(out).all():
            raise ModelError(f"{self.config.where}: predict returned a value that is not finite")
        return out
