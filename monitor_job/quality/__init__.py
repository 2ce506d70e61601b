"""Model quality (``analysis_type=MODEL_QUALITY``): predictions merged with ground truth,
metrics per problem type, constraints and violations in SageMaker's shapes."""
