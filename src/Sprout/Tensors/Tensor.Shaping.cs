namespace Sprout;

// Adding, removing and regrouping axes (views through Reshape), stacking and splitting, tiling and padding. Most are
// compositions of ops that already carry their backward rules; padding has its own.
public sealed partial class Tensor
{
    /// <summary>A view with a new axis of size 1 at <paramref name="axis"/> (−1: after the last).</summary>
    public Tensor Unsqueeze(int axis)
    {
        int a = axis < 0 ? axis + Rank + 1 : axis;
        if (a < 0 || a > Rank)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Unsqueeze: axis {axis} is out of range for shape {Shape}; expected {-Rank - 1}..{Rank}.");
        var dims = Shape.ToList();
        dims.Insert(a, 1);
        return Reshape([.. dims]);
    }

    /// <summary>A view without the axes of size 1 (a tensor of ones only becomes a scalar).</summary>
    public Tensor Squeeze() => Reshape([.. Shape.Where(d => d != 1)]);

    /// <summary>A view without <paramref name="axis"/>, which must have size 1.</summary>
    public Tensor Squeeze(int axis)
    {
        int a = Shape.NormalizeAxis(axis);
        if (Shape[a] != 1)
            throw new ArgumentException($"Squeeze: axis {axis} of shape {Shape} has size {Shape[a]}, not 1.", nameof(axis));
        var dims = Shape.ToList();
        dims.RemoveAt(a);
        return Reshape([.. dims]);
    }

    /// <summary>A view with axes <paramref name="startAxis"/>..<paramref name="endAxis"/> (inclusive) merged into one.</summary>
    public Tensor Flatten(int startAxis, int endAxis = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = Shape.NormalizeAxis(startAxis), e = Shape.NormalizeAxis(endAxis);
        if (s > e) throw new ArgumentException($"Flatten: start axis {startAxis} comes after end axis {endAxis} for shape {Shape}.", nameof(startAxis));
        var dims = Shape.ToArray();
        return Reshape([.. dims[..s], Shape.Product(s, e + 1), .. dims[(e + 1)..]]);
    }

    /// <summary>Joins tensors of one shape along a new axis at <paramref name="axis"/>.</summary>
    public static Tensor Stack(int axis, params Tensor[] tensors)
    {
        RequireTensors(tensors, "Stack");
        var first = tensors[0].Shape;
        for (int i = 1; i < tensors.Length; i++)
            if (tensors[i].Shape != first)
                throw new ArgumentException($"Stack: tensor {i} has shape {tensors[i].Shape} but tensor 0 has {first}; all must have one shape.", nameof(tensors));
        return Concat(axis < 0 ? axis + first.Rank + 1 : axis, [.. tensors.Select(t => t.Unsqueeze(axis))]);
    }

    /// <summary>Pieces of the given <paramref name="sizes"/> along <paramref name="axis"/>; the sizes must add up to the axis.</summary>
    public Tensor[] Split(int axis, params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int a = Shape.NormalizeAxis(axis);
        if (sizes.Length == 0 || sizes.Any(s => s <= 0) || sizes.Sum() != Shape[a])
            throw new ArgumentException($"Split: sizes ({string.Join(", ", sizes)}) must be positive and add up to {Shape[a]}, the size of axis {axis} of {Shape}.", nameof(sizes));
        var parts = new Tensor[sizes.Length];
        for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++) parts[i] = Narrow(a, start, sizes[i]);
        return parts;
    }

    /// <summary>
    /// <paramref name="count"/> pieces along <paramref name="axis"/> of ⌈n/count⌉ each, the last smaller (PyTorch's chunk;
    /// fewer pieces when the axis is short).
    /// </summary>
    public Tensor[] Chunk(int count, int axis = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int a = Shape.NormalizeAxis(axis), n = Shape[a], size = (n + count - 1) / count;
        var sizes = new List<int>();
        for (int start = 0; start < n; start += size) sizes.Add(Math.Min(size, n - start));
        return Split(a, [.. sizes]);
    }

    /// <summary>
    /// Tiles the tensor <paramref name="times"/>[d] times along each axis d (PyTorch's repeat); extra leading counts add
    /// leading axes. The gradient sums the tiles.
    /// </summary>
    public Tensor Repeat(params int[] times)
    {
        ArgumentNullException.ThrowIfNull(times);
        if (times.Length < Rank || times.Any(t => t <= 0))
            throw new ArgumentException($"Repeat: give a positive count for each of the {Rank} axes of {Shape} (or more, for new leading axes); got ({string.Join(", ", times)}).", nameof(times));
        var dims = Enumerable.Repeat(1, times.Length - Rank).Concat(Shape).ToArray();
        var interleaved = dims.SelectMany(d => new[] { 1, d }).ToArray();
        var target = dims.Select((d, i) => new[] { times[i], d }).SelectMany(p => p).ToArray();
        return Reshape(interleaved).BroadcastTo(new Shape(target)).Reshape([.. dims.Select((d, i) => d * times[i])]);
    }

    /// <summary>Repeats each element <paramref name="count"/> times along <paramref name="axis"/> (PyTorch's repeat_interleave).</summary>
    public Tensor RepeatInterleave(int count, int axis)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int a = Shape.NormalizeAxis(axis);
        var dims = Shape.ToList();
        dims.Insert(a + 1, 1);
        var target = dims.ToArray();
        target[a + 1] = count;
        var result = Shape.ToArray();
        result[a] *= count;
        return Reshape([.. dims]).BroadcastTo(new Shape(target)).Reshape(result);
    }

    /// <summary>
    /// Pads every axis d with <paramref name="before"/>[d] and <paramref name="after"/>[d] elements of
    /// <paramref name="value"/> (one entry per axis). The gradient is the inner block.
    /// </summary>
    public Tensor Pad(int[] before, int[] after, float value = 0f)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.Length != Rank || after.Length != Rank || before.Any(p => p < 0) || after.Any(p => p < 0))
            throw new ArgumentException(
                $"Pad: give {Rank} non-negative amounts before and after, one per axis of {Shape}; got ({string.Join(", ", before)}) and ({string.Join(", ", after)}).", nameof(before));
        var outShape = new Shape([.. Shape.Select((d, i) => d + before[i] + after[i])]);
        var y = Empty(outShape, IsMeta);
        if (IsMeta) return y;
        y.AsSpan().Fill(value);
        CopyBlock(Span, Shape, y.AsSpan(), outShape, before, toInner: true);
        if (Wants(this)) y.Record("Pad", this, g =>
        {
            var dx = Uninitialized(Shape);
            CopyBlock(g.Span, outShape, dx.AsSpan(), Shape, before, toInner: false);
            return dx;
        });
        return y;
    }

    /// <summary>
    /// Copies between a tensor of the small shape and the block of a larger one that starts
    /// at <paramref name="offsets"/>: into the block when <paramref name="toInner"/>, else out of it. Rows of the last axis move whole.
    /// </summary>
    private static void CopyBlock(ReadOnlySpan<float> src, Shape srcShape, Span<float> dst, Shape dstShape, int[] offsets, bool toInner)
    {
        var small = toInner ? srcShape : dstShape;
        var large = toInner ? dstShape : srcShape;
        int rank = small.Rank, row = rank == 0 ? 1 : small[^1], rows = small.ElementCount / row;
        Span<int> pos = stackalloc int[Math.Max(rank, 1)];
        for (int r = 0; r < rows; r++)
        {
            int largeOffset = 0;
            for (int d = 0; d < rank; d++) largeOffset = largeOffset * large[d] + pos[d] + offsets[d];
            int smallOffset = r * row;
            if (toInner) src.Slice(smallOffset, row).CopyTo(dst.Slice(largeOffset, row));
            else src.Slice(largeOffset, row).CopyTo(dst.Slice(smallOffset, row));
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++pos[d] < small[d]) break;
                pos[d] = 0;
            }
        }
    }
}
