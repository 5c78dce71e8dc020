using System.Collections;

namespace Sprout;

/// <summary>
/// An immutable list of dimensions. A dimension of <see cref="Unknown"/> (-1) is not known yet:
/// deferred parameters carry such shapes until the first input fixes them.
/// </summary>
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    /// <summary>The value of a dimension that is not known yet (MXNet's convention, printed as -1).</summary>
    public const int Unknown = -1;

    private readonly int[]? _dims;

    /// <summary>Creates a shape; every dimension must be positive or <see cref="Unknown"/>.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] <= 0 && dims[i] != Unknown)
                throw new ArgumentOutOfRangeException(nameof(dims),
                    $"Dimension {i} of shape ({string.Join(", ", dims)}) is {dims[i]}; expected a positive size or Shape.Unknown (-1).");
        }
        _dims = (int[])dims.Clone();
    }

    /// <summary>A shape of the given dimensions (positive, or <see cref="Unknown"/>).</summary>
    public Shape(ReadOnlySpan<int> dims) : this(dims.ToArray()) { }

    /// <summary>The shape of a scalar: no dimensions, one element.</summary>
    public static Shape Scalar => new([]);

    private int[] Dims => _dims ?? [];

    /// <summary>The dimensions as a span, for kernels (which know nothing of <see cref="Shape"/>).</summary>
    internal ReadOnlySpan<int> Span => Dims;

    /// <summary>The number of dimensions.</summary>
    public int Rank => Dims.Length;

    int IReadOnlyCollection<int>.Count => Rank;

    /// <summary>The size of <paramref name="axis"/> (negative counts from the end).</summary>
    public int this[int axis] => Dims[NormalizeAxis(axis)];

    /// <summary>The size of <paramref name="axis"/> (<c>^1</c> is the last).</summary>
    public int this[Index axis] => Dims[axis.GetOffset(Rank)];

    /// <summary>True when no dimension is <see cref="Unknown"/>.</summary>
    public bool IsKnown => Array.IndexOf(Dims, Unknown) < 0;

    /// <summary>The number of elements; throws when a dimension is unknown.</summary>
    public int ElementCount
    {
        get
        {
            if (!IsKnown)
                throw new InvalidOperationException($"Shape {this} has an unknown dimension (-1), so it has no element count yet.");
            long n = 1;
            foreach (int d in Dims) n *= d;
            if (n > Array.MaxLength)
                throw new InvalidOperationException($"Shape {this} holds {n} elements, more than one array can hold ({Array.MaxLength}).");
            return (int)n;
        }
    }

    /// <summary>The dimensions as a new array.</summary>
    public int[] ToArray() => (int[])Dims.Clone();

    internal ReadOnlySpan<int> AsSpan() => Dims;

    /// <summary>Converts a possibly negative axis (-1 = last) into 0..Rank-1, or throws.</summary>
    public int NormalizeAxis(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank)
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {this} of rank {Rank}; expected {-Rank}..{Rank - 1}.");
        return a;
    }

    /// <summary>The multi-index of row-major position <paramref name="flat"/>, as "(i, j, …)" (for messages).</summary>
    internal string PositionOf(int flat)
    {
        var index = new int[Rank];
        for (int d = Rank - 1; d >= 0; d--)
        {
            index[d] = flat % this[d];
            flat /= this[d];
        }
        return $"({string.Join(", ", index)})";
    }

    /// <summary>The product of the dimensions in [start, end).</summary>
    internal int Product(int start, int end)
    {
        int n = 1;
        for (int i = start; i < end; i++) n *= Dims[i];
        return n;
    }

    /// <summary>This shape with dimension <paramref name="axis"/> replaced by <paramref name="size"/>.</summary>
    public Shape With(int axis, int size)
    {
        var d = ToArray();
        d[NormalizeAxis(axis)] = size;
        return new Shape(d);
    }

    /// <summary>True when every dimension known in both shapes agrees and the ranks are equal.</summary>
    public bool IsCompatibleWith(Shape other)
    {
        if (other.Rank != Rank) return false;
        for (int i = 0; i < Rank; i++)
            if (this[i] != Unknown && other[i] != Unknown && this[i] != other[i]) return false;
        return true;
    }

    /// <summary>Whether both have the same dimensions.</summary>
    public bool Equals(Shape other) => Dims.AsSpan().SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    /// <summary>Whether both have the same dimensions.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    /// <summary>Whether the dimensions differ.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)Dims).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Python's tuple notation: <c>(256, 20)</c>, <c>(256, -1)</c>, <c>(5,)</c>, <c>()</c>.</summary>
    public override string ToString() => Rank == 1 ? $"({Dims[0]},)" : $"({string.Join(", ", Dims)})";
}
