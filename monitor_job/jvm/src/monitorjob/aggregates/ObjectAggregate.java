package monitorjob.aggregates;

import java.util.Arrays;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.aggregate.ImperativeAggregate;
import org.apache.spark.sql.catalyst.expressions.aggregate.TypedImperativeAggregate;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.IndexedSeq;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Catalyst plumbing for the job's aggregate: an object buffer updated in place and
 * serialised only between stages, and a binary result.
 *
 * <p>Written against {@code TypedImperativeAggregate} rather than {@code functions.udaf}:
 * its buffer is the job's own object, serialised in the job's own form only when a
 * partition's state leaves its task.
 */
abstract class ObjectAggregate<B> extends TypedImperativeAggregate<B>
    implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  final Expression[] inputs;
  final int mutableOffset;
  final int inputOffset;

  ObjectAggregate(Expression[] inputs, int mutableOffset, int inputOffset) {
    this.inputs = inputs;
    this.mutableOffset = mutableOffset;
    this.inputOffset = inputOffset;
  }

  /** The same aggregate over other inputs and offsets. */
  abstract ObjectAggregate<B> copyWith(Expression[] inputs, int mutableOffset, int inputOffset);

  abstract void add(B buffer, InternalRow row);

  abstract Object result(B buffer);

  /** This aggregate as a column for {@code agg} or {@code observe}. */
  public Column column() {
    return new Column(toAggregateExpression());
  }

  static Expression[] exprs(Column... columns) {
    Expression[] out = new Expression[columns.length];
    for (int i = 0; i < columns.length; i++) {
      out[i] = columns[i].expr();
    }
    return out;
  }

  @Override
  public B update(B buffer, InternalRow row) {
    add(buffer, row);
    return buffer;
  }

  @Override
  public Object eval(B buffer) {
    return result(buffer);
  }

  @Override
  public boolean nullable() {
    return false;
  }

  @Override
  public DataType dataType() {
    return DataTypes.BinaryType;
  }

  @Override
  public Seq<Expression> children() {
    return JavaConverters.asScalaBuffer(Arrays.asList(inputs)).toList();
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> children) {
    return copyWith(
        JavaConverters.seqAsJavaList(children).toArray(new Expression[0]),
        mutableOffset,
        inputOffset);
  }

  @Override
  public int mutableAggBufferOffset() {
    return mutableOffset;
  }

  @Override
  public int inputAggBufferOffset() {
    return inputOffset;
  }

  @Override
  public ImperativeAggregate withNewMutableAggBufferOffset(int offset) {
    return copyWith(inputs, offset, inputOffset);
  }

  @Override
  public ImperativeAggregate withNewInputAggBufferOffset(int offset) {
    return copyWith(inputs, mutableOffset, offset);
  }

  @Override
  public int productArity() {
    return inputs.length + 2;
  }

  @Override
  public Object productElement(int n) {
    if (n < inputs.length) {
      return inputs[n];
    }
    return n == inputs.length ? mutableOffset : inputOffset;
  }

  @Override
  public boolean canEqual(Object other) {
    return other != null && other.getClass() == getClass();
  }
}
