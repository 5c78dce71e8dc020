namespace Sprout;

// Selecting and scattering by index, one-hot encoding, masking. Indices come as int spans or as float tensors holding
// exact integers (ids stay float32, exact below 2^24); a bad index is an ArgumentOutOfRangeException naming it, its
// position and the valid range, raised before anything is written. Gathers backpropagate by scatter-add, so repeated
// indices accumulate their gradients.
public sealed partial class Tensor
{
    /// <summary>The slices at <paramref name="indices"/> along <paramref name="axis"/>, in that order (repeats allowed).</summary>
    public Tensor IndexSelect(int axis, ReadOnlySpan<int> indices)
    {
        int a = Shape.NormalizeAxis(axis);
        var idx = CheckedIndices(indices, Shape[a], "IndexSelect");
        return SelectChecked(a, idx);
    }

    /// <summary>The slices at <paramref name="indices"/> (a 1-D tensor of whole numbers) along <paramref name="axis"/>.</summary>
    public Tensor IndexSelect(int axis, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Rank != 1) throw new ArgumentException($"IndexSelect: indices must be 1-D; got shape {indices.Shape}.", nameof(indices));
        int a = Shape.NormalizeAxis(axis);
        if (indices.IsMeta) return Meta(Shape.With(a, indices.Length));
        return SelectChecked(a, IndicesOf(indices, Shape[a], "IndexSelect"));
    }

    /// <summary>The slices at <paramref name="idx"/> along axis <paramref name="a"/> (normalized), every index already checked to lie in it.</summary>
    internal Tensor SelectChecked(int a, int[] idx)
    {
        if (idx.Length == 0) throw new ArgumentException($"IndexSelect: no indices given for axis {a} of shape {Shape}.");
        var y = Empty(Shape.With(a, idx.Length), IsMeta);
        int outer = Shape.Product(0, a), n = Shape[a], inner = Shape.Product(a + 1, Rank);
        if (!IsMeta)
        {
            var src = Span; var dst = y.AsSpan();
            for (int o = 0; o < outer; o++)
                for (int j = 0; j < idx.Length; j++)
                    src.Slice((o * n + idx[j]) * inner, inner).CopyTo(dst.Slice((o * idx.Length + j) * inner, inner));
        }
        if (Wants(this)) y.Record("IndexSelect", this, g =>
        {
            var dx = new Tensor(Shape);
            var gs = g.Span; var d = dx.AsSpan();
            for (int o = 0; o < outer; o++)
                for (int j = 0; j < idx.Length; j++)
                {
                    var from = gs.Slice((o * idx.Length + j) * inner, inner);
                    var to = d.Slice((o * n + idx[j]) * inner, inner);
                    System.Numerics.Tensors.TensorPrimitives.Add(to, from, to);
                }
            return dx;
        });
        return y;
    }

    /// <summary>
    /// PyTorch's gather: out[i][j][k] = this[index[i][j][k]][j][k] for axis 0 (likewise on other axes). The index has this
    /// tensor's rank and no larger sizes on the other axes; the output has the index's shape.
    /// </summary>
    public Tensor Gather(int axis, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int a = Shape.NormalizeAxis(axis);
        CheckIndexShape(index.Shape, a, "Gather", "this tensor");
        if (IsMeta || index.IsMeta) return Meta(index.Shape);
        var idx = IndicesOf(index, Shape[a], "Gather");
        var y = Empty(index.Shape, IsMeta);
        if (!IsMeta)
        {
            var src = Storage!; var dst = y.Storage!; int offset = _offset;
            ForEachIndexed(index.Shape, Shape, a, idx, (target, source) => dst[target] = src[offset + source]);
        }
        if (Wants(this)) y.Record("Gather", this, g => Zeros(Shape).ScatterAddInPlace(a, index.Shape, idx, g));
        return y;
    }

    /// <summary>
    /// PyTorch's scatter_add (out of place): a copy of this tensor with out[index[i][j]][j] += source[i][j] for axis 0
    /// (likewise on other axes); repeated indices accumulate. <paramref name="index"/> and <paramref name="source"/> have
    /// the same shape, of this tensor's rank.
    /// </summary>
    public Tensor ScatterAdd(int axis, Tensor index, Tensor source)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(source);
        int a = Shape.NormalizeAxis(axis);
        if (index.Shape != source.Shape)
            throw new ArgumentException($"ScatterAdd: index of shape {index.Shape} and source of shape {source.Shape} must have the same shape.", nameof(source));
        CheckIndexShape(index.Shape, a, "ScatterAdd", "the destination");
        if (IsMeta || source.IsMeta) return Meta(Shape);
        var idx = IndicesOf(index, Shape[a], "ScatterAdd");
        var y = Clone().ScatterAddInPlace(a, index.Shape, idx, source);
        if (Autograd.IsRecording && (RequiresGrad || source.RequiresGrad))
            y.Record("ScatterAdd", this, g => g, source, g => g.Gather(a, index));
        return y;
    }

    /// <summary>Adds <paramref name="source"/> into this (fresh, unrecorded) tensor at the indexed positions; returns it.</summary>
    private Tensor ScatterAddInPlace(int a, Shape indexShape, int[] idx, Tensor source)
    {
        var dst = Storage!; int offset = _offset;
        var src = source.Storage!; int sourceOffset = source._offset;
        ForEachIndexed(indexShape, Shape, a, idx, (s, target) => dst[offset + target] += src[sourceOffset + s]);
        return this;
    }

    /// <summary>For each position p of an index tensor, (p, the position in <paramref name="shape"/> it addresses).</summary>
    private static void ForEachIndexed(Shape indexShape, Shape shape, int axis, int[] idx, Action<int, int> visit)
    {
        int rank = shape.Rank;
        Span<int> pos = stackalloc int[rank];
        var strides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; d--) { strides[d] = s; s *= shape[d]; }
        for (int p = 0; p < idx.Length; p++)
        {
            int offset = 0;
            for (int d = 0; d < rank; d++) offset += (d == axis ? idx[p] : pos[d]) * strides[d];
            visit(p, offset);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++pos[d] < indexShape[d]) break;
                pos[d] = 0;
            }
        }
    }

    private void CheckIndexShape(Shape index, int axis, string op, string what)
    {
        if (index.Rank != Rank || Enumerable.Range(0, Rank).Any(d => d != axis && index[d] > Shape[d]))
            throw new ArgumentException(
                $"{op}: an index of shape {index} does not fit {what} of shape {Shape} along axis {axis}: it needs rank {Rank} and sizes no larger on the other axes.");
    }

    /// <summary>One-hot rows: indices of any shape → indices.Shape + (depth), 1 at each index; no gradient.</summary>
    public static Tensor OneHot(Tensor indices, int depth)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        var y = Empty(new Shape([.. indices.Shape, depth]), indices.IsMeta);
        if (y.IsMeta) return y;
        var idx = IndicesOf(indices, depth, "OneHot");
        var d = y.AsSpan();
        for (int i = 0; i < idx.Length; i++) d[i * depth + idx[i]] = 1f;
        return y;
    }

    /// <summary>One-hot rows of ids given as integers: (indices.Length, depth), 1 at each index; no gradient.</summary>
    public static Tensor OneHot(ReadOnlySpan<int> indices, int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        if (indices.IsEmpty) throw new ArgumentException("OneHot: there are no indices; pass at least one.", nameof(indices));
        var idx = CheckedIndices(indices, depth, "OneHot");
        var y = Zeros(idx.Length, depth);
        var d = y.AsSpan();
        for (int i = 0; i < idx.Length; i++) d[i * depth + idx[i]] = 1f;
        return y;
    }

    /// <summary>This tensor with <paramref name="value"/> where <paramref name="mask"/> (broadcast to this shape) is non-zero.</summary>
    public Tensor MaskedFill(Tensor mask, float value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return Where(mask, Full(Shape.Scalar, value), this);
    }

    /// <summary>
    /// The elements where <paramref name="mask"/> is non-zero, in row-major order, as a 1-D tensor: PyTorch's
    /// <c>masked_select</c> (<c>x[mask]</c>); this tensor and the mask broadcast together. The result's length depends on
    /// the mask's values, so in a shape-only run (<c>Build</c>, <c>Summary</c>) the mask must hold values. The gradient
    /// goes back to the selected places (summed over what was broadcast), zeros elsewhere.
    /// </summary>
    public Tensor MaskedSelect(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.IsMeta)
            throw new InvalidOperationException(
                $"MaskedSelect: the mask of shape {mask.Shape} is shape-only (made by Build or Summary), but how many elements it selects depends on its values. " +
                "Make the mask from values (e.g. from Tensor.Eye or a comparison of a real tensor), or pass an example input to Summary.");
        Shape shape;
        try { shape = ShapeInference.Broadcast(Shape, mask.Shape, "MaskedSelect"); }
        catch (ArgumentException) { throw new ArgumentException($"MaskedSelect: the mask of shape {mask.Shape} does not broadcast with the tensor of shape {Shape}.", nameof(mask)); }
        ReadOnlySpan<float> m;
        using (Autograd.Pause()) m = mask.BroadcastTo(shape).Span;
        var positions = new List<int>();
        for (int i = 0; i < m.Length; i++) if (m[i] != 0) positions.Add(i);
        if (positions.Count == 0)
            throw new ArgumentException($"MaskedSelect: the mask of shape {mask.Shape} selects no element of the tensor of shape {Shape}, and a tensor cannot be empty here. Check the mask, or test mask.Max().Item() > 0 before selecting.", nameof(mask));
        var x = Shape == shape ? this : BroadcastTo(shape);
        var y = EmptyForOverwrite(new Shape(positions.Count), x.IsMeta);
        if (!y.IsMeta)
        {
            var xs = x.Span; var d = y.AsSpan();
            for (int i = 0; i < d.Length; i++) d[i] = xs[positions[i]];
        }
        if (Wants(x)) y.Record("MaskedSelect", x, g => Scattered(g, shape, positions));
        return y;
    }

    /// <summary>Zeros of <paramref name="shape"/> with <paramref name="g"/>'s elements at the flat <paramref name="positions"/>.</summary>
    private static Tensor Scattered(Tensor g, Shape shape, List<int> positions)
    {
        var full = Zeros(shape);
        var d = full.AsSpan(); var gs = g.Span;
        for (int i = 0; i < positions.Count; i++) d[positions[i]] = gs[i];
        return full;
    }

    /// <summary>
    /// Element-wise choice: <paramref name="a"/> where <paramref name="condition"/> is non-zero, else <paramref name="b"/>,
    /// all three broadcast together. The gradient goes to the side chosen (none to the condition).
    /// </summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shape = ShapeInference.Broadcast(ShapeInference.Broadcast(condition.Shape, a.Shape, "Where"), b.Shape, "Where");
        var y = Empty(shape, condition.IsMeta || a.IsMeta || b.IsMeta);
        if (y.IsMeta) return y;
        Tensor c, fa, fb;
        using (Autograd.Pause()) (c, fa, fb) = (condition.BroadcastTo(shape), a.BroadcastTo(shape), b.BroadcastTo(shape));
        var cs = c.Span; var xs = fa.Span; var ys = fb.Span; var d = y.AsSpan();
        for (int i = 0; i < d.Length; i++) d[i] = cs[i] != 0 ? xs[i] : ys[i];
        if (Wants(a, b))
        {
            var chosen = Binary<Kernels.CompareOp<Kernels.NotEqualTo>>(c, Scalar(0f), "Where");
            y.Record("Where", a, g => (g * chosen).SumTo(a.Shape), b, g => (g - g * chosen).SumTo(b.Shape));
        }
        return y;
    }

    /// <summary>
    /// The whole numbers held by <paramref name="t"/>, each checked to lie in [0, limit); errors name the caller's argument,
    /// and <paramref name="explain"/> (given the value and its position, "(i, j)") words them for a caller that has its own
    /// terms (an Embedding's vocabulary).
    /// </summary>
    internal static int[] IndicesOf(Tensor t, int limit, string op, Func<float, string, string>? explain = null,
        [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(t))] string argument = "")
    {
        if (t.IsMeta) throw new ArgumentException($"{op}: indices must have values; got a meta tensor of shape {t.Shape}.", argument);
        var values = t.Span;
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            int k = (int)v;
            if (k != v || k < 0 || k >= limit)
                throw new ArgumentOutOfRangeException(argument, v, explain?.Invoke(v, t.Shape.PositionOf(i)) ??
                    $"{op}: index {v} at position {t.Shape.PositionOf(i)} of the indices shaped {t.Shape} is {(k != v ? "not a whole number" : "out of range")}; " +
                    $"indices are whole numbers in 0..{limit - 1}.");
            result[i] = k;
        }
        return result;
    }

    private static int[] CheckedIndices(ReadOnlySpan<int> indices, int limit, string op)
    {
        for (int i = 0; i < indices.Length; i++)
            if ((uint)indices[i] >= (uint)limit)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i],
                    $"{op}: index {indices[i]} at position {i} is outside the valid range 0..{limit - 1}.");
        return indices.ToArray();
    }
}
