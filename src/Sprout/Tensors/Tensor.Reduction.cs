using System.Numerics.Tensors;
using Sprout.Kernels;

namespace Sprout;

// Reductions over all elements or over one axis (keepDims keeps it as size 1), with their backward rules.
public sealed partial class Tensor
{
    /// <summary>The sum of all elements, as a scalar tensor of shape ().</summary>
    public Tensor Sum()
    {
        var y = Empty(Shape.Scalar, IsMeta);
        if (!IsMeta) y.AsSpan()[0] = TensorPrimitives.Sum(Span);
        if (Wants(this)) SumAllBackward(y, this);
        return y;
    }

    private static void SumAllBackward(Tensor y, Tensor a) => y.Record("Sum", a, g => Full(a.Shape, g.Item()));

    /// <summary>The sum over <paramref name="axis"/>.</summary>
    public Tensor Sum(int axis, bool keepDims = false)
    {
        var (y, keep) = ReduceAxis(axis, keepDims, Reduce.Sum);
        if (Wants(this)) SumAxisBackward(y, this, keep);
        return y;
    }

    private static void SumAxisBackward(Tensor y, Tensor a, Shape keep) => y.Record("Sum", a, g => g.Reshape(keep).BroadcastTo(a.Shape));

    /// <summary>The mean of all elements.</summary>
    public Tensor Mean() => Sum() * (1f / Length);

    /// <summary>The mean over <paramref name="axis"/>.</summary>
    public Tensor Mean(int axis, bool keepDims = false) => Sum(axis, keepDims) * (1f / Shape[axis]);

    /// <summary>
    /// The sum over several axes at once, as PyTorch's <c>sum(dim=(0, 2, 3))</c> (negative axes count from the end);
    /// with <paramref name="keepDims"/> they stay as size 1, so the result broadcasts against this tensor.
    /// </summary>
    public Tensor Sum(int[] axes, bool keepDims = false) => ReduceAxes(axes, keepDims, "Sum", static (t, axis) => t.Sum(axis, keepDims: true));

    /// <summary>The mean over several axes at once (a batch norm's per-channel mean is <c>x.Mean([0, 2, 3], keepDims: true)</c>).</summary>
    public Tensor Mean(int[] axes, bool keepDims = false) => ReduceAxes(axes, keepDims, "Mean", static (t, axis) => t.Mean(axis, keepDims: true));

    /// <summary>Reduces over each of <paramref name="axes"/> in turn, keeping them as size 1, then drops them unless asked to keep them.</summary>
    private Tensor ReduceAxes(int[] axes, bool keepDims, string op, Func<Tensor, int, Tensor> reduce)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length == 0)
            throw new ArgumentException($"{op}: no axes given for shape {Shape}; call {op}() to reduce over every element.", nameof(axes));
        var normalized = axes.Select(Shape.NormalizeAxis).ToArray();
        if (normalized.Distinct().Count() != normalized.Length)
            throw new ArgumentException($"{op}: axes ({string.Join(", ", axes)}) name an axis of shape {Shape} twice; give each once.", nameof(axes));
        var y = this;
        foreach (int axis in normalized) y = reduce(y, axis);
        return keepDims ? y : y.Reshape(new Shape([.. Enumerable.Range(0, Rank).Where(d => !normalized.Contains(d)).Select(d => Shape[d])]));
    }

    /// <summary>The largest element, as a scalar tensor.</summary>
    public Tensor Max()
    {
        var y = Empty(Shape.Scalar, IsMeta);
        if (!IsMeta) y.AsSpan()[0] = TensorPrimitives.Max(Span);
        if (Wants(this)) MaxBackward(y, this, Shape.Scalar);
        return y;
    }

    /// <summary>The maximum over <paramref name="axis"/>.</summary>
    public Tensor Max(int axis, bool keepDims = false)
    {
        var (y, keep) = ReduceAxis(axis, keepDims, Reduce.Max);
        if (Wants(this)) MaxBackward(y, this, keep);
        return y;
    }

    // The gradient goes to the positions that hold the maximum, shared equally between ties.
    private static void MaxBackward(Tensor y, Tensor a, Shape keep) => y.Record("Max", a, g =>
    {
        var mask = Binary<EqualMaskOp>(a, y.Detach().Reshape(keep), "Max");
        var count = keep.Rank == 0 ? Scalar(mask.Sum().Item()) : mask.SumToShape(keep);
        return mask / count * g.Reshape(keep);
    });

    /// <summary>The index of the largest element along <paramref name="axis"/> (first on ties), as floats.</summary>
    public Tensor ArgMax(int axis = -1, bool keepDims = false) => ReduceAxis(axis, keepDims, Reduce.ArgMax).Result;

    /// <summary>
    /// Sums this tensor down to <paramref name="target"/>, the inverse of broadcasting: leading dimensions are summed
    /// away and dimensions where the target has size 1 are summed with keepDims. Used by backward rules.
    /// </summary>
    public Tensor SumTo(Shape target)
    {
        if (Shape == target) return this;
        ShapeInference.Broadcast(target, Shape, "SumTo");   // validates that target broadcasts to this shape
        var r = this;
        int lead = Rank - target.Rank;
        for (int d = 0; d < Rank; d++)
        {
            bool reduce = d < lead || (target[d - lead] == 1 && Shape[d] != 1);
            if (reduce) r = r.Sum(d, keepDims: true);
        }
        return r.Reshape(target.ToArray());
    }

    /// <summary>Sums with keepDims over every axis where <paramref name="keep"/> has size 1 (same rank).</summary>
    private Tensor SumToShape(Shape keep)
    {
        var r = this;
        for (int d = 0; d < Rank; d++) if (keep[d] == 1 && Shape[d] != 1) r = r.Sum(d, keepDims: true);
        return r;
    }

    /// <summary>Repeats this tensor along broadcast dimensions to <paramref name="target"/>.</summary>
    public Tensor BroadcastTo(Shape target)
    {
        var shape = ShapeInference.Broadcast(Shape, target, "BroadcastTo");
        if (shape != target)
            throw new ArgumentException($"BroadcastTo: shape {Shape} cannot be broadcast to {target}.", nameof(target));
        if (Shape == target) return this;
        var y = MarkedCopy(Empty(target, IsMeta), "BroadcastTo");
        if (!IsMeta) Broadcast.Run<AddOp>(y.Span, target.Span, Span, Shape.Span, y.AsSpan(), target.Span);
        if (Wants(this)) BroadcastBackward(y, this);
        return y;
    }

    private static void BroadcastBackward(Tensor y, Tensor a) => y.Record("BroadcastTo", a, g => g.SumTo(a.Shape));

    internal delegate void AxisKernel(ReadOnlySpan<float> src, int outer, int n, int inner, Span<float> dst);

    private (Tensor Result, Shape KeepShape) ReduceAxis(int axis, bool keepDims, AxisKernel kernel)
    {
        int a = Shape.NormalizeAxis(axis);
        var keep = Shape.With(a, 1);
        var outShape = keepDims ? keep : new Shape([.. Shape.ToArray()[..a], .. Shape.ToArray()[(a + 1)..]]);
        var y = Empty(outShape, IsMeta);
        if (!IsMeta) kernel(Span, Shape.Product(0, a), Shape[a], Shape.Product(a + 1, Rank), y.AsSpan());
        return (y, keep);
    }
}
