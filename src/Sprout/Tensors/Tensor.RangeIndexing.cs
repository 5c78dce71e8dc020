namespace Sprout;

// The range indexer: x[.., 2..6], x[0, ^1], x[1..3] = values. Reading composes Select and Narrow (so it is recorded,
// and is a view exactly where those are); writing puts values into the box in place, as PyTorch's x[:, 2:6] = v.
public sealed partial class Tensor
{
    /// <summary>
    /// Part of this tensor, one <see cref="TensorIndex"/> per leading axis (the rest are taken whole): a position drops
    /// its axis, a range keeps it. <c>x[.., 2..6]</c> is PyTorch's <c>x[:, 2:6]</c>, <c>x[0, ^1]</c> its
    /// <c>x[0, -1]</c> (a tensor of shape ()). Reading is recorded (the gradient goes back to the selected places) and
    /// gives a view sharing storage where the part is contiguous from the first axis (<c>x[1..3]</c>, <c>x[2, ..]</c>),
    /// else a copy, which refuses in-place writes; a <see cref="TensorIndex.Slice"/> takes every step-th position: writing <c>x[.., 2..6] = values</c> changes this tensor in place
    /// (<paramref name="indices"/> as read; values broadcast to the part's shape, e.g. <c>Tensor.Scalar(0f)</c>), outside
    /// the recording as <see cref="CopyFrom"/>. Ints alone (<c>x[1, 2]</c>) read one element as a float.
    /// </summary>
    /// <exception cref="ArgumentException">More indices than axes; or, writing, values that do not broadcast to the part.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A position outside its axis, or a range that leaves it or is empty.</exception>
    /// <exception cref="InvalidOperationException">Writing while recording into a tensor the graph differentiates, or values that want a gradient.</exception>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public Tensor this[params TensorIndex[] indices]
    {
        get => Part(ResolveBox(indices));
        set => WritePart(ResolveBox(indices), value);
    }

    /// <summary>Where an index expression lands: per axis of this tensor the first element, the count, and whether the axis stays.</summary>
    private readonly record struct IndexedBox(string Text, int[] Starts, int[] Counts, int[] Steps, bool[] Kept, Shape Result);

    private IndexedBox ResolveBox(TensorIndex[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        string text = $"[{string.Join(", ", indices)}]";
        if (indices.Length > Rank)
            throw new ArgumentException(
                $"x{text} gives {indices.Length} indices for a tensor of shape {Shape} ({Rank} axes): give at most one per axis (leave trailing axes out to take them whole).",
                nameof(indices));
        int[] starts = new int[Rank], counts = new int[Rank], steps = new int[Rank];
        bool[] kept = new bool[Rank];
        var result = new List<int>(Rank);
        for (int d = 0; d < Rank; d++)
        {
            TensorIndex index = d < indices.Length ? indices[d] : Range.All;
            if (!index.TryResolve(Shape[d], out starts[d], out counts[d]))
                throw new ArgumentOutOfRangeException(nameof(indices),
                    $"x{text} on a tensor of shape {Shape}: {(index.IsRange ? "the range" : "the position")} {index} does not fit axis {d} of size {Shape[d]}. " +
                    (index.IsRange
                        ? $"A range must stay within 0..{Shape[d]} and select at least one element."
                        : $"Positions run from 0 to {Shape[d] - 1} (or -{Shape[d]} to -1, ^{Shape[d]} to ^1 from the end)."));
            kept[d] = index.IsRange;
            steps[d] = index.Step;
            if (kept[d]) result.Add(counts[d]);
        }
        return new IndexedBox(text, starts, counts, steps, kept, new Shape([.. result]));
    }

    /// <summary>
    /// The part read: a Select per position, a Narrow per partial range and an IndexSelect per stepped one (a copy, as
    /// Narrow's past the first axis), first axis first, so that a part contiguous from the first axis (x[0, 1..3])
    /// stays a chain of views; <c>axis</c> counts the axes kept so far.
    /// </summary>
    private Tensor Part(IndexedBox box)
    {
        var part = this;
        for (int d = 0, axis = 0; d < Rank; d++)
            if (!box.Kept[d]) part = part.Select(axis, box.Starts[d]);
            else
            {
                if (box.Steps[d] != 1) part = MarkedCopy(part.IndexSelect(axis, Positions(box.Starts[d], box.Counts[d], box.Steps[d])), "a stepped slice");
                else if (box.Counts[d] != Shape[d]) part = part.Narrow(axis, box.Starts[d], box.Counts[d]);
                axis++;
            }
        return ReferenceEquals(part, this) ? Reshape(Shape) : part;
    }

    private void WritePart(IndexedBox box, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string what = $"Assigning x{box.Text}";
        value.ThrowIfMeta($"{what}'s values");
        if (!BroadcastsTo(value.Shape, box.Result))
            throw new ArgumentException(
                $"{what} on a tensor of shape {Shape}: the part has shape {box.Result}, and values of shape {value.Shape} do not broadcast to it. " +
                $"Give values of shape {box.Result}, or one that broadcasts to it (a scalar: Tensor.Scalar(v)).", nameof(value));
        if (Autograd.IsRecording && value.RequiresGrad)
            throw new InvalidOperationException(
                $"{what}: the values want a gradient, and a write into a tensor is not recorded, so no gradient would reach them. " +
                "Build the tensor from its parts instead (Tensor.Stack, Concat, Pad or Where), or write outside the Autograd.Record() scope.");
        BeginInPlaceWrite(what);
        Tensor values;
        using (Autograd.Pause())
        {
            values = value.Shape == box.Result ? value : value.BroadcastTo(box.Result);
            if (SharesStorageWith(values)) values = values.Clone();   // x[1..] = x[..^1]: read the source whole first
        }
        Kernels.Boxes.Write(values.Span, Shape.Span, box.Starts, box.Counts, box.Steps, AsSpan());
    }

    private static int[] Positions(int start, int count, int step)
    {
        var positions = new int[count];
        for (int i = 0; i < count; i++) positions[i] = start + i * step;
        return positions;
    }

    private bool SharesStorageWith(Tensor other) => ReferenceEquals(other._owner ?? other, _owner ?? this);
}
