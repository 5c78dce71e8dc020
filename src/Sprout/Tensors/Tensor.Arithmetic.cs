using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout;

// Element-wise arithmetic with NumPy broadcasting. Each op's backward rule sits beside its forward: the output
// gradient, reduced back over the broadcast dimensions (SumTo) to each input's shape. Rules live in their own
// static methods so that the closures are allocated only when something is recorded.
public sealed partial class Tensor
{
    /// <summary>Element-wise a + b with NumPy broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b)
    {
        var y = Binary<AddOp>(a, b, "Add");
        if (Wants(a, b)) AddBackward(y, a, b);
        return y;
    }

    private static void AddBackward(Tensor y, Tensor a, Tensor b) => y.Record("Add", a, g => g.SumTo(a.Shape), b, g => g.SumTo(b.Shape));

    /// <summary>Element-wise a − b with NumPy broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b)
    {
        var y = Binary<SubtractOp>(a, b, "Subtract");
        if (Wants(a, b)) SubtractBackward(y, a, b);
        return y;
    }

    private static void SubtractBackward(Tensor y, Tensor a, Tensor b) => y.Record("Subtract", a, g => g.SumTo(a.Shape), b, g => (-g).SumTo(b.Shape));

    /// <summary>Element-wise a·b with NumPy broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b)
    {
        var y = Binary<MultiplyOp>(a, b, "Multiply");
        if (Wants(a, b)) MultiplyBackward(y, a, b);
        return y;
    }

    private static void MultiplyBackward(Tensor y, Tensor a, Tensor b) => y.Record("Multiply", a, g => (g * b).SumTo(a.Shape), b, g => (g * a).SumTo(b.Shape));

    /// <summary>Element-wise a / b with NumPy broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b)
    {
        var y = Binary<DivideOp>(a, b, "Divide");
        if (Wants(a, b)) DivideBackward(y, a, b);
        return y;
    }

    // d(a/b)/db = -a/b² = -y/b.
    private static void DivideBackward(Tensor y, Tensor a, Tensor b) => y.Record("Divide", a, g => (g / b).SumTo(a.Shape), b, g => (-(g * y) / b).SumTo(b.Shape));

    /// <summary>−a.</summary>
    public static Tensor operator -(Tensor a) => a * -1f;

    /// <summary>a + s, element by element.</summary>
    public static Tensor operator +(Tensor a, float s) => ScalarOp(a, s, static (x, v, d) => TensorPrimitives.Add(x, v, d), 1f);
    /// <summary>s + a, element by element.</summary>
    public static Tensor operator +(float s, Tensor a) => a + s;
    /// <summary>a − s, element by element.</summary>
    public static Tensor operator -(Tensor a, float s) => a + -s;
    /// <summary>s − a, element by element.</summary>
    public static Tensor operator -(float s, Tensor a) => -a + s;
    /// <summary>a·s, element by element.</summary>
    public static Tensor operator *(Tensor a, float s) => ScalarOp(a, s, static (x, v, d) => TensorPrimitives.Multiply(x, v, d), s);
    /// <summary>s·a, element by element.</summary>
    public static Tensor operator *(float s, Tensor a) => a * s;
    /// <summary>a / s, element by element.</summary>
    public static Tensor operator /(Tensor a, float s) => a * (1f / s);
    /// <summary>s / a, element by element.</summary>
    public static Tensor operator /(float s, Tensor a) => Scalar(s) / a;

    /// <summary>y = f(a, s) for a scalar s whose derivative dy/da is the constant <paramref name="slope"/>.</summary>
    private static Tensor ScalarOp(Tensor a, float s, SpanScalarAction op, float slope)
    {
        var y = EmptyForOverwrite(a.Shape, a.IsMeta);
        if (!a.IsMeta) op(a.Span, s, y.AsSpan());
        if (Wants(a)) RecordScaled(y, a, slope);
        return y;
    }

    private static void RecordScaled(Tensor y, Tensor a, float slope) => y.Record("Scale", a, g => slope == 1f ? g : g * slope);

    internal delegate void SpanScalarAction(ReadOnlySpan<float> x, float s, Span<float> destination);

    /// <summary>The broadcasting forward shared by the four binary ops (and the masks used by backward rules).</summary>
    internal static Tensor Binary<TOp>(Tensor a, Tensor b, string op) where TOp : IBinaryOp
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shape = ShapeInference.Broadcast(a.Shape, b.Shape, op);
        var y = EmptyForOverwrite(shape, a.IsMeta || b.IsMeta);   // every element is written
        if (y.IsMeta) return y;
        if (a.Shape == b.Shape)   // the common case (a residual connection's sum): over the threads when large
        {
            var (av, ao, bv, bo, yv) = (a.Storage!, a._offset, b.Storage!, b._offset, y.Storage!);
            WorkerPool.ForRanges(y.Length, y.Length, (start, end) =>
                TOp.Invoke(av.AsSpan(ao + start, end - start), bv.AsSpan(bo + start, end - start), yv.AsSpan(start, end - start)));
        }
        else Broadcast.Run<TOp>(a.Span, a.Shape.Span, b.Span, b.Shape.Span, y.AsSpan(), shape.Span);
        return y;
    }
}
