namespace Sprout.Nn;

/// <summary>
/// The book's sinusoidal positional encoding added to (B, T, H) inputs: P[t, 2i] = sin(t / 10000^(2i/H)),
/// P[t, 2i+1] = cos(t / 10000^(2i/H)), then dropout. No parameters; H and T come from the input.
/// </summary>
public sealed class PositionalEncoding : Block
{
    private Tensor? _table;

    /// <summary>An encoding with <paramref name="dropout"/> after the sum, for sequences up to <paramref name="maxLength"/> steps.</summary>
    public PositionalEncoding(float dropout = 0f, int maxLength = 1000)
    {
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Expected a dropout rate in [0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        (Dropout, MaxLength) = (dropout, maxLength);
    }

    /// <summary>The dropout rate while training.</summary>
    public float Dropout { get; }
    /// <summary>The longest sequence it encodes.</summary>
    public int MaxLength { get; }

    /// <summary>The (T, H) table for <paramref name="steps"/> steps of <paramref name="features"/> features.</summary>
    public static Tensor Table(int steps, int features)
    {
        var table = Tensor.Zeros(steps, features);
        var p = table.AsSpan();
        for (int t = 0; t < steps; t++)
            for (int j = 0; j < features; j++)
            {
                double angle = t / Math.Pow(10000, (j / 2 * 2) / (double)features);
                p[t * features + j] = (float)(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        return table;
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank != 3 || x.Shape[1] > MaxLength)
            throw new ArgumentException($"PositionalEncoding at '{CurrentPathOrRoot}' expects (batch, steps ≤ {MaxLength}, features); got {x.Shape}.", nameof(x));
        var table = _table is { } t && t.Shape[0] == x.Shape[1] && t.Shape[1] == x.Shape[2] ? t : _table = Table(x.Shape[1], x.Shape[2]);
        return ApplyDropout(x + table, Dropout);
    }

    /// <inheritdoc/>
    protected override string Describe() => $"PositionalEncoding(dropout={Dropout}, max_len={MaxLength})";
}
