"""The flip test (FT) of a facet, computed as smclarify computes it, over Spark.

smclarify's ``FT``: a k-nearest-neighbours classifier (scikit-learn's
``KNeighborsClassifier``: 5 neighbours, 1 when the advantaged group has 9 rows or fewer,
uniform weights, Euclidean distance, ``algorithm="auto"``) is fitted on the advantaged
group's features with the model's predicted labels; it predicts each disadvantaged record's
label "as if it were advantaged". FT = (records the model accepts and their neighbours
reject − records the model rejects and their neighbours accept) / disadvantaged records.
The features are every column but the facet, the label and the predicted label; they must
all be numbers, as smclarify requires.

Distributed: the advantaged group's rows (in the dataset's order, so ties between equally
near neighbours break as in smclarify) are fitted once on the driver into scikit-learn's
index, which travels to the tasks with their function; the disadvantaged records stay
spread over the tasks and are queried a block at a time. When the advantaged group is too
large to hold, FT is not computed and the reason gives the figure.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from monitor_job.bias.metrics import Undefined

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import Column, DataFrame

NEIGHBOURS, FEW_NEIGHBOURS, FEW_ROWS = 5, 1, 9  # smclarify's FT constants
# Values of the advantaged group the driver (and each task) holds as the k-NN index.
MAX_INDEX_VALUES = 50_000_000
_ORDER, _FACET, _PRED = "_ft_order", "_ft_facet", "_ft_pred"


def flip_test(frame: DataFrame, features: Sequence[str], facet: Column, predicted: Column) -> float:
    """FT of the facet group ``facet`` (a boolean column) with the model's positive
    predictions ``predicted``; :class:`Undefined` with the reason when it has no value."""
    import numpy as np
    from pyspark.sql import functions as F
    from sklearn.neighbors import KNeighborsClassifier

    if not features:
        raise Undefined("not computed: no feature columns besides the facet and the labels")
    numbers = [F.col(f"`{c}`").cast("double") for c in features]
    rows = frame.select(
        F.monotonically_increasing_id().alias(_ORDER),
        F.coalesce(facet, F.lit(False)).alias(_FACET),
        F.coalesce(predicted, F.lit(False)).alias(_PRED),
        *(n.alias(f"f{i}") for i, n in enumerate(numbers)),
        *(F.col(f"`{c}`").alias(f"raw{i}") for i, c in enumerate(features)),
    )
    cols = [f"f{i}" for i in range(len(features))]
    [check] = rows.agg(
        F.count(F.when(F.col(_FACET), 1)).alias("d"),
        F.count(F.when(~F.col(_FACET), 1)).alias("a"),
        *(
            F.count(F.when(F.col(f"raw{i}").isNotNull() & F.col(c).isNull(), 1)).alias(c)
            for i, c in enumerate(cols)
        ),
        *(F.count(F.when(F.col(f"raw{i}").isNull(), 1)).alias(f"m{i}") for i in range(len(cols))),
    ).collect()
    words = [features[i] for i, c in enumerate(cols) if check[c]]
    if words:
        raise Undefined(f"FT reads numeric features only (as smclarify); not numbers in {words}")
    missing = [features[i] for i in range(len(cols)) if check[f"m{i}"]]
    if missing:
        raise Undefined(f"FT needs every feature present; missing values in {missing}")
    if check["d"] == 0 or check["a"] == 0:
        raise Undefined("FT needs records in the facet group and outside it")
    held = check["a"] * len(cols)
    if held > MAX_INDEX_VALUES:
        raise Undefined(
            f"not computed: the advantaged group's k-NN index would hold {check['a']:,} rows x "
            f"{len(cols)} features = {held:,} values, above this job's {MAX_INDEX_VALUES:,}"
        )
    advantaged: pd.DataFrame = (
        rows.where(~F.col(_FACET)).orderBy(_ORDER).select(_PRED, *cols).toPandas()
    )
    knn = KNeighborsClassifier(
        n_neighbors=NEIGHBOURS if len(advantaged) > FEW_ROWS else FEW_NEIGHBOURS,
        weights="uniform",
        algorithm="auto",
        leaf_size=30,
        p=2,
        metric="minkowski",
    )
    knn.fit(advantaged[cols].to_numpy(dtype=np.float64), advantaged[_PRED].to_numpy(dtype=bool))

    def flips(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        for batch in batches:
            model = batch[_PRED].to_numpy(dtype=bool)
            neighbours = knn.predict(batch[cols].to_numpy(dtype=np.float64)).astype(bool)
            yield pd.DataFrame(
                {
                    "pos": [int(np.sum(model & ~neighbours))],
                    "neg": [int(np.sum(~model & neighbours))],
                }
            )

    disadvantaged = rows.where(F.col(_FACET)).select(_PRED, *cols)
    [total] = (
        disadvantaged.mapInPandas(flips, "pos long, neg long")  # type: ignore[arg-type]
        .agg(F.sum("pos").alias("pos"), F.sum("neg").alias("neg"))
        .collect()
    )
    return (int(total["pos"]) - int(total["neg"])) / int(check["d"])
