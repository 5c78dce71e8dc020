namespace Sprout;

/// <summary>
/// One axis of a tensor's range indexer, <c>x[.., 2..6]</c>: a position (<c>3</c>, <c>-1</c>, <c>^1</c>) takes that
/// index and drops the axis, as PyTorch's <c>x[:, 3]</c>; a range (<c>2..6</c>, <c>..</c>, <c>^2..</c>) keeps the axis
/// and the elements in it; <see cref="Slice"/> adds a step (<c>TensorIndex.Slice(0, null, 2)</c> is Python's
/// <c>0::2</c>). Made implicitly from an <see cref="int"/> (negative counts from the end), an <see cref="Index"/> or a
/// <see cref="Range"/>. As C#'s own ranges, a range past the end of its axis is refused, not clamped.
/// </summary>
public readonly struct TensorIndex : IEquatable<TensorIndex>
{
    private readonly Index _position;
    private readonly Range _range;
    private readonly int? _written;   // the int a position was written as, if it was one (so -1 prints as -1, not ^1)
    private readonly int _step;       // a range's step; 0 (the default) reads as 1

    private TensorIndex(Index position, Range range, bool isRange, int? written, int step = 1) =>
        (_position, _range, IsRange, _written, _step) = (position, range, isRange, written, step);

    /// <summary>True for a range (the axis is kept), false for a position (the axis is dropped).</summary>
    public bool IsRange { get; }

    /// <summary>A range's step (1 but for a <see cref="Slice"/> given another).</summary>
    public int Step => _step == 0 ? 1 : _step;

    /// <summary>
    /// Every <paramref name="step"/>-th position from <paramref name="start"/> (null: the first) up to, not including,
    /// <paramref name="stop"/> (null: past the last), kept as an axis; negative values count from the end, as Python's
    /// <c>start:stop:step</c> and TorchSharp's <c>TensorIndex.Slice</c>. The book's positional encoding writes
    /// <c>P[.., .., TensorIndex.Slice(0, null, 2)] = sines</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is not positive.</exception>
    public static TensorIndex Slice(int? start = null, int? stop = null, int step = 1)
    {
        if (step <= 0)
            throw new ArgumentOutOfRangeException(nameof(step), step, "A slice's step must be positive (1 takes every position, 2 every other); to reverse an axis, IndexSelect the positions in reverse.");
        return new(default, new Range(Bound(start, Index.Start), Bound(stop, Index.End)), true, null, step);
    }

    private static Index Bound(int? value, Index missing) =>
        value is not int v ? missing : v < 0 ? Index.FromEnd(-(long)v > int.MaxValue ? int.MaxValue : -v) : Index.FromStart(v);

    /// <summary>A position; a negative one counts from the end (-1 is the last).</summary>
    public static implicit operator TensorIndex(int position) => new(Bound(position, default), default, false, position);

    /// <summary>A position (<c>^1</c> is the last).</summary>
    public static implicit operator TensorIndex(Index position) => new(position, default, false, null);

    /// <summary>A range of positions, kept as an axis.</summary>
    public static implicit operator TensorIndex(Range range) => new(default, range, true, null);

    /// <summary>
    /// The first element and the count (of <see cref="Step"/> apart) along an axis of <paramref name="size"/>; false
    /// when the position is outside the axis or the range leaves it or selects nothing.
    /// </summary>
    internal bool TryResolve(int size, out int start, out int count)
    {
        if (!IsRange)
        {
            start = Offset(_position, size);
            count = 1;
            return start >= 0 && start < size;
        }
        start = Offset(_range.Start, size);
        int end = Offset(_range.End, size);
        count = end > start ? (end - start + Step - 1) / Step : 0;
        return start >= 0 && end <= size && count > 0;
    }

    private static int Offset(Index index, int size) => index.IsFromEnd ? size - index.Value : index.Value;

    /// <inheritdoc/>
    public bool Equals(TensorIndex other) =>
        IsRange == other.IsRange && (IsRange ? _range.Equals(other._range) && Step == other.Step : _position.Equals(other._position));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TensorIndex other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => IsRange ? HashCode.Combine(true, _range, Step) : HashCode.Combine(false, _position);

    /// <summary>Compares two indices.</summary>
    public static bool operator ==(TensorIndex left, TensorIndex right) => left.Equals(right);

    /// <summary>Compares two indices.</summary>
    public static bool operator !=(TensorIndex left, TensorIndex right) => !left.Equals(right);

    /// <summary>As written in C#: <c>3</c>, <c>-1</c>, <c>^1</c>, <c>2..6</c>, <c>..</c>; a stepped slice as Python writes it, <c>0::2</c>.</summary>
    public override string ToString() =>
        !IsRange ? _written?.ToString() ?? _position.ToString()
        : Step == 1 ? Text(_range.Start, Index.Start, "^") + ".." + Text(_range.End, Index.End, "^")
        : $"{Text(_range.Start, Index.Start, "-")}:{Text(_range.End, Index.End, "-")}:{Step}";

    private static string Text(Index bound, Index missing, string fromEnd) =>
        bound.Equals(missing) ? "" : bound.IsFromEnd ? fromEnd + bound.Value : bound.Value.ToString();
}
