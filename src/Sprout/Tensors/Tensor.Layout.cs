namespace Sprout;

// Ops that move or regroup elements without arithmetic: reshape (a view), transpose, concat, slice.
public sealed partial class Tensor
{
    /// <summary>A view with a new shape of the same element count (one dimension may be -1, inferred); shares storage.</summary>
    public Tensor Reshape(params int[] shape)
    {
        var s = ShapeInference.Resolve(shape, Length, $"Reshape of {Shape}");
        var y = View(s);
        if (Wants(this)) ReshapeBackward(y, this);
        return y;
    }

    /// <summary>A view with a new shape of the same element count.</summary>
    public Tensor Reshape(Shape shape) => Reshape(shape.ToArray());

    private static void ReshapeBackward(Tensor y, Tensor a) => y.Record("Reshape", a, g => g.Reshape(a.Shape));

    /// <summary>The transpose of a matrix (rank 2), or of the last two axes of a higher-rank tensor.</summary>
    public Tensor Transpose()
    {
        if (Rank < 2)
            throw new InvalidOperationException($"Transpose() needs rank 2 or more; this tensor has shape {Shape}. Use Transpose(axes) for a permutation.");
        var axes = Enumerable.Range(0, Rank).ToArray();
        (axes[^1], axes[^2]) = (axes[^2], axes[^1]);
        return Transpose(axes);
    }

    /// <summary>
    /// Permutes the axes: output axis i is input axis <c>axes[i]</c>. The result is a copy, which refuses in-place writes
    /// (PyTorch's permute is a view); its <c>Clone()</c>, or a leaf given <c>AttachGrad()</c>, is the caller's own.
    /// </summary>
    public Tensor Transpose(params int[] axes)
    {
        var perm = ValidatePermutation(axes);
        var dims = perm.Select(p => Shape[p]).ToArray();
        var y = MarkedCopy(EmptyForOverwrite(new Shape(dims), IsMeta), "Transpose");   // Permute writes every element
        if (!IsMeta) Permute(Span, Shape, perm, y.AsSpan());
        if (Wants(this)) TransposeBackward(y, this, perm);
        return y;
    }

    /// <summary>
    /// Swaps two axes (negative values count from the end), the rest kept in order: PyTorch's <c>transpose(d0, d1)</c>,
    /// NumPy's and MXNet's <c>swapaxes</c>. A (T, N, C) sequence turns batch-major with <c>SwapAxes(0, 1)</c>.
    /// </summary>
    public Tensor SwapAxes(int axis0, int axis1)
    {
        int a = Shape.NormalizeAxis(axis0), b = Shape.NormalizeAxis(axis1);
        var axes = Enumerable.Range(0, Rank).ToArray();
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return Transpose(axes);
    }

    private static void TransposeBackward(Tensor y, Tensor a, int[] perm)
    {
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        y.Record("Transpose", a, g => g.Transpose(inverse));
    }

    private int[] ValidatePermutation(int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length != Rank)
            throw new ArgumentException($"Transpose: {axes.Length} axes ({string.Join(", ", axes)}) given for shape {Shape} of rank {Rank}; expected a permutation of 0..{Rank - 1}." +
                (axes.Length == 2 && Rank > 2 ? $" To swap two axes, as PyTorch's transpose(d0, d1), use SwapAxes({axes[0]}, {axes[1]})." : ""));
        var perm = axes.Select(Shape.NormalizeAxis).ToArray();
        if (perm.Distinct().Count() != Rank)
            throw new ArgumentException($"Transpose: axes ({string.Join(", ", axes)}) repeat an axis; expected a permutation of 0..{Rank - 1} for shape {Shape}.");
        return perm;
    }

    private static void Permute(ReadOnlySpan<float> src, Shape shape, int[] perm, Span<float> dst)
    {
        int rank = shape.Rank;
        if (rank == 2 && perm[0] == 1)
        {
            int rows = shape[0], cols = shape[1];
            const int Tile = 32;   // blocked so both sides stay in cache
            for (int i0 = 0; i0 < rows; i0 += Tile)
                for (int j0 = 0; j0 < cols; j0 += Tile)
                    for (int i = i0; i < Math.Min(i0 + Tile, rows); i++)
                        for (int j = j0; j < Math.Min(j0 + Tile, cols); j++)
                            dst[j * rows + i] = src[i * cols + j];
            return;
        }
        var srcStrides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; d--) { srcStrides[d] = s; s *= shape[d]; }
        // When the last axis stays last, whole rows move (attention's heads); otherwise single elements. Either way the
        // source offset walks the output's order with an odometer over the axes outside the moved block. Large tensors
        // split the output into one range of blocks per part, over the threads (a Transformer block's 4 MB head split,
        // standalone at two threads: 0.40 → 0.23–0.40 ms).
        int block = perm[^1] == rank - 1 && shape[rank - 1] >= 8 ? shape[rank - 1] : 1;
        int blocks = dst.Length / block;
        unsafe
        {
            fixed (float* ps = src, pd = dst)
            {
                float* source = ps, destination = pd;
                Kernels.WorkerPool.ForRanges(blocks, dst.Length, (first, end) =>
                    PermuteBlocks(source, shape, perm, srcStrides, block, destination, first, end));
            }
        }
    }

    /// <summary>Output blocks [first, end) of a permutation: the odometer starts at the source offset of block <paramref name="first"/>.</summary>
    private static unsafe void PermuteBlocks(float* src, Shape shape, int[] perm, int[] srcStrides, int block, float* dst, int first, int end)
    {
        int walked = block == 1 ? shape.Rank : shape.Rank - 1;
        Span<int> index = stackalloc int[walked];
        int offset = 0;
        for (int d = walked - 1, rest = first; d >= 0; d--)
        {
            int axis = perm[d];
            index[d] = rest % shape[axis];
            rest /= shape[axis];
            offset += index[d] * srcStrides[axis];
        }
        for (int b = first; b < end; b++)
        {
            if (block == 1) dst[b] = src[offset];
            else new ReadOnlySpan<float>(src + offset, block).CopyTo(new Span<float>(dst + (long)b * block, block));
            for (int d = walked - 1; d >= 0; d--)
            {
                int axis = perm[d];
                index[d]++;
                offset += srcStrides[axis];
                if (index[d] < shape[axis]) break;
                offset -= srcStrides[axis] * shape[axis];
                index[d] = 0;
            }
        }
    }

    /// <summary>Joins tensors along <paramref name="axis"/>; all other dimensions must match.</summary>
    public static Tensor Concat(int axis, params Tensor[] tensors)
    {
        RequireTensors(tensors, "Concat");
        var first = tensors[0].Shape;
        int a = first.NormalizeAxis(axis), total = 0;
        foreach (var t in tensors)
        {
            if (t.Rank != first.Rank || !Enumerable.Range(0, first.Rank).All(d => d == a || t.Shape[d] == first[d]))
                throw new ArgumentException($"Concat along axis {axis}: shape {t.Shape} does not match {first} outside that axis.", nameof(tensors));
            total += t.Shape[a];
        }
        var y = Empty(first.With(a, total), tensors.Any(t => t.IsMeta));
        int outer = first.Product(0, a), inner = first.Product(a + 1, first.Rank), offset = 0;
        var sizes = tensors.Select(t => t.Shape[a]).ToArray();
        if (!y.IsMeta)
        {
            var dst = y.AsSpan();
            foreach (var t in tensors)
            {
                int run = t.Shape[a] * inner;
                for (int o = 0; o < outer; o++) t.Span.Slice(o * run, run).CopyTo(dst.Slice(o * total * inner + offset * inner, run));
                offset += t.Shape[a];
            }
        }
        if (Autograd.IsRecording && tensors.Any(t => t.RequiresGrad)) ConcatBackward(y, tensors, a, sizes);
        return y;
    }

    /// <summary>Checks a list of tensors given to <paramref name="op"/>: at least one, and no nulls (naming the first).</summary>
    private static void RequireTensors(Tensor[] tensors, string op)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException($"{op} needs at least one tensor.", nameof(tensors));
        int missing = Array.IndexOf(tensors, null);
        if (missing >= 0) throw new ArgumentNullException(nameof(tensors), $"{op}: tensor {missing} of {tensors.Length} is null; pass only tensors.");
    }

    private static void ConcatBackward(Tensor y, Tensor[] inputs, int axis, int[] sizes)
    {
        var rules = new Func<Tensor, Tensor>[inputs.Length];
        for (int i = 0, start = 0; i < inputs.Length; start += sizes[i], i++)
        {
            int s = start, n = sizes[i];
            rules[i] = g => g.Narrow(axis, s, n);
        }
        y.Record("Concat", inputs, rules);
    }

    /// <summary>Rows [start, start + count) along the first axis, as a view sharing storage.</summary>
    public Tensor Slice(int start, int count)
    {
        if (Rank == 0) throw new InvalidOperationException("Slice needs at least one dimension; this tensor is a scalar.");
        if (start < 0 || count <= 0 || start + count > Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice({start}, {count}) is out of range for {Shape[0]} rows (shape {Shape}).");
        var y = RowView(start, count);
        if (Wants(this)) SliceBackward(y, this, start, count);
        return y;
    }

    private static void SliceBackward(Tensor y, Tensor a, int start, int count) => y.Record("Slice", a, g => Placed(g, a.Shape, 0, start));

    /// <summary>
    /// Elements [start, start + count) along <paramref name="axis"/>: along the first axis a view sharing storage (as
    /// <see cref="Slice"/>), along another a copy, which refuses in-place writes (PyTorch's narrow is a view, so a write
    /// would be expected to reach this tensor: write through the range indexer, <c>x[.., 2..6] = v</c>, instead).
    /// </summary>
    public Tensor Narrow(int axis, int start, int count)
    {
        int a = Shape.NormalizeAxis(axis);
        if (start < 0 || count <= 0 || start + count > Shape[a])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow(axis {axis}, {start}, {count}) is out of range for size {Shape[a]} (shape {Shape}).");
        if (a == 0) return Slice(start, count);
        var y = MarkedCopy(Empty(Shape.With(a, count), IsMeta), "Narrow or Select along an axis other than the first");
        int outer = Shape.Product(0, a), inner = Shape.Product(a + 1, Rank);
        if (!IsMeta)
            for (int o = 0; o < outer; o++)
                Span.Slice((o * Shape[a] + start) * inner, count * inner).CopyTo(y.AsSpan().Slice(o * count * inner, count * inner));
        if (Wants(this)) NarrowBackward(y, this, a, start, count);
        return y;
    }

    /// <summary>
    /// Index <paramref name="index"/> along <paramref name="axis"/> with that axis removed, as PyTorch's <c>select</c> and
    /// <c>x[i]</c>: row i of a matrix is <c>m.Select(0, i)</c>, column j is <c>m.Select(1, j)</c>. Negative values count
    /// from the end. Along the first axis the result is a view sharing storage (writes reach this tensor); along another
    /// it is a copy, which refuses in-place writes (see <see cref="Narrow"/>). The gradient goes back to the selected place.
    /// </summary>
    public Tensor Select(int axis, int index)
    {
        if (Rank == 0) throw new InvalidOperationException($"Select needs at least one axis; this tensor is a scalar. Read it with Item().");
        int a = Shape.NormalizeAxis(axis), size = Shape[a], i = index < 0 ? index + size : index;
        if (i < 0 || i >= size)
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"Select(axis {axis}, index {index}): axis {a} of shape {Shape} has size {size}; valid indices are {-size} .. {size - 1}.");
        return (a == 0 ? Slice(i, 1) : Narrow(a, i, 1)).Squeeze(a);
    }

    private static void NarrowBackward(Tensor y, Tensor a, int axis, int start, int count) => y.Record("Narrow", a, g => Placed(g, a.Shape, axis, start));

    /// <summary>
    /// The gradient of a slice or a narrowed tensor: <paramref name="g"/> in its place from <paramref name="start"/> along
    /// <paramref name="axis"/> of <paramref name="shape"/>, zeros around it, written in one pass over the threads (an
    /// LSTM's output is the h half of its (T, N, 2H) states: building it from zero blocks and a concatenation moved the
    /// gradient's bytes three times).
    /// </summary>
    private static Tensor Placed(Tensor g, Shape shape, int axis, int start)
    {
        var full = Uninitialized(shape);
        int outer = shape.Product(0, axis), inner = shape.Product(axis + 1, shape.Rank), size = shape[axis], count = g.Shape[axis];
        Kernels.WorkerPool.ForRanges(outer, (long)outer * size * inner, (first, end) =>
        {
            var src = g.Span;
            var dst = full.AsSpan();
            for (int o = first; o < end; o++)
            {
                var row = dst.Slice(o * size * inner, size * inner);
                row[..(start * inner)].Clear();
                src.Slice(o * count * inner, count * inner).CopyTo(row[(start * inner)..]);
                row[((start + count) * inner)..].Clear();
            }
        });
        return full;
    }
}
