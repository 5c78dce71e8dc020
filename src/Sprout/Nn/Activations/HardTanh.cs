namespace Sprout.Nn;

/// <summary>Hard tanh as a layer: x clipped to [min, max] (−1, 1 by default).</summary>
public sealed class HardTanh : Block
{
    /// <summary>Clips to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public HardTanh(float min = -1f, float max = 1f)
    {
        if (!(min < max) || !float.IsFinite(min) || !float.IsFinite(max))
            throw new ArgumentException($"HardTanh: expected finite min < max; got min={min}, max={max}.", nameof(min));
        (Min, Max) = (min, max);
    }

    /// <summary>The lower clip.</summary>
    public float Min { get; }
    /// <summary>The upper clip.</summary>
    public float Max { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.HardTanh(Min, Max);

    /// <inheritdoc/>
    protected override string Describe() => $"HardTanh(min={Min}, max={Max})";
}
