package monitorjob.aggregates;

import java.util.Arrays;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeBlock;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.expressions.codegen.JavaCode;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.IndexedSeq;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Catalyst plumbing for the decoder's functions of strings: null when any argument is null,
 * else {@link #call} on the arguments' Spark strings; null when {@code call} gives null.
 *
 * <p>A Catalyst expression rather than a UDF: a UDF converts every argument to a Java string
 * and its result back through Scala collections (measured at 1M capture records: about a
 * tenth of the job's CPU time). Its generated code calls {@link #call} on the expression
 * itself; not {@code CodegenFallback}, which in whole-stage code makes Spark build the whole
 * input row for every record (measured: slower than the UDF).
 */
abstract class TextFunction extends Expression implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** {@code array<string>}: the decoder's rows. */
  static final DataType STRINGS = DataTypes.createArrayType(DataTypes.StringType, true);

  final Expression[] args;

  TextFunction(Expression... args) {
    this.args = args;
  }

  /** The result for present arguments, or null. Called by the generated code. */
  public abstract Object call(UTF8String[] values);

  /** The same function of other arguments. */
  abstract TextFunction copyWith(Expression[] args);

  /** What sets this function apart besides its arguments (for equality and plans). */
  Object[] parameters() {
    return new Object[0];
  }

  @Override
  public Object eval(InternalRow row) {
    UTF8String[] values = new UTF8String[args.length];
    for (int i = 0; i < args.length; i++) {
      values[i] = (UTF8String) args[i].eval(row);
      if (values[i] == null) {
        return null;
      }
    }
    return call(values);
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    String self = ctx.addReferenceObj("function", this, getClass().getName());
    StringBuilder code = new StringBuilder();
    StringBuilder present = new StringBuilder("true");
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < args.length; i++) {
      ExprCode arg = args[i].genCode(ctx);
      code.append(arg.code()).append('\n');
      present.append(" && !").append(arg.isNull());
      values.append(i == 0 ? "" : ", ").append(arg.value());
    }
    String type = CodeGenerator.javaType(dataType());
    code.append("boolean ").append(ev.isNull()).append(" = true;\n");
    code.append(type).append(' ').append(ev.value()).append(" = null;\n");
    code.append("if (").append(present).append(") {\n");
    code.append("  Object result = ").append(self).append(".call(new ");
    code.append(UTF8String.class.getName()).append("[] {").append(values).append("});\n");
    code.append("  ").append(ev.isNull()).append(" = result == null;\n");
    code.append("  ").append(ev.value()).append(" = (").append(type).append(") result;\n}\n");
    CodeBlock block =
        new CodeBlock(
            JavaConverters.asScalaBuffer(Arrays.asList(code.toString())).toList(),
            JavaConverters.asScalaBuffer(Arrays.<JavaCode>asList()).toList());
    return ev.copy(block, ev.isNull(), ev.value());
  }

  @Override
  public Seq<Expression> children() {
    return JavaConverters.asScalaBuffer(Arrays.asList(args)).toList();
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> children) {
    return copyWith(JavaConverters.seqAsJavaList(children).toArray(new Expression[0]));
  }

  @Override
  public boolean nullable() {
    return true;
  }

  @Override
  public int productArity() {
    return args.length + parameters().length;
  }

  @Override
  public Object productElement(int n) {
    return n < args.length ? args[n] : parameters()[n - args.length];
  }

  @Override
  public boolean canEqual(Object other) {
    return other != null && other.getClass() == getClass();
  }

  @Override
  public boolean equals(Object other) {
    return canEqual(other)
        && Arrays.equals(args, ((TextFunction) other).args)
        && Arrays.deepEquals(parameters(), ((TextFunction) other).parameters());
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(args) + Arrays.deepHashCode(parameters());
  }
}
