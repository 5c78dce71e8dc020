namespace Sprout;

/// <summary>
/// One axis of a tensor's range indexer, <c>x[.., 2..6]</c>: a position (<c>3</c>, <c>-1</c>, <c>^1</c>) takes that
/// index and drops the axis, as PyTorch's <c>x[:, 3]</c>; a range (<c>2..6</c>, <c>..</c>, <c>^2..</c>) keeps the axis
/// and the elements in it. Made implicitly from an <see cref="int"/> (negative counts from the end), an
/// <see cref="Index"/> or a <see cref="Range"/>. As C#'s own ranges, a range past the end of its axis is refused, not
/// clamped.
/// </summary>
public readonly struct TensorIndex : IEquatable<TensorIndex>
{
    private readonly Index _position;
    private readonly Range _range;
    private readonly int? _written;   // the int a position was written as, if it was one (so -1 prints as -1, not ^1)

    private TensorIndex(Index position, Range range, bool isRange, int? written) =>
        (_position, _range, IsRange, _written) = (position, range, isRange, written);

    /// <summary>True for a range (the axis is kept), false for a position (the axis is dropped).</summary>
    public bool IsRange { get; }

    /// <summary>A position; a negative one counts from the end (-1 is the last).</summary>
    public static implicit operator TensorIndex(int position) =>
        new(position < 0 ? Index.FromEnd(-(long)position > int.MaxValue ? int.MaxValue : -position) : Index.FromStart(position), default, false, position);

    /// <summary>A position (<c>^1</c> is the last).</summary>
    public static implicit operator TensorIndex(Index position) => new(position, default, false, null);

    /// <summary>A range of positions, kept as an axis.</summary>
    public static implicit operator TensorIndex(Range range) => new(default, range, true, null);

    /// <summary>
    /// The first element and the count along an axis of <paramref name="size"/>; false when the position is outside
    /// the axis or the range leaves it or selects nothing.
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
        count = end - start;
        return start >= 0 && end <= size && count > 0;
    }

    private static int Offset(Index index, int size) => index.IsFromEnd ? size - index.Value : index.Value;

    /// <inheritdoc/>
    public bool Equals(TensorIndex other) =>
        IsRange == other.IsRange && (IsRange ? _range.Equals(other._range) : _position.Equals(other._position));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TensorIndex other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => IsRange ? HashCode.Combine(true, _range) : HashCode.Combine(false, _position);

    /// <summary>Compares two indices.</summary>
    public static bool operator ==(TensorIndex left, TensorIndex right) => left.Equals(right);

    /// <summary>Compares two indices.</summary>
    public static bool operator !=(TensorIndex left, TensorIndex right) => !left.Equals(right);

    /// <summary>As written in C#: <c>3</c>, <c>-1</c>, <c>^1</c>, <c>2..6</c>, <c>..</c>.</summary>
    public override string ToString() => IsRange ? RangeText(_range) : _written?.ToString() ?? _position.ToString();

    private static string RangeText(Range r) =>
        (r.Start.Equals(Index.Start) ? "" : r.Start.ToString()) + ".." + (r.End.Equals(Index.End) ? "" : r.End.ToString());
}
