namespace Sprout.Init;

/// <summary>
/// Kaiming/He for ReLU-family layers: std = gain / √fan with gain² = 2 / (1 + slope²) (slope of a leaky ReLU, 0 for
/// ReLU); Gaussian, or uniform in [−√3·std, √3·std].
/// </summary>
public sealed class Kaiming(FanMode fan = FanMode.In, Distribution distribution = Distribution.Gaussian, float negativeSlope = 0f) : Initializer
{
    /// <summary>Whether the fan-in, the fan-out or their average sets the scale.</summary>
    public FanMode Fan { get; } = fan;
    /// <summary>Uniform or Gaussian samples.</summary>
    public Distribution Distribution { get; } = distribution;
    /// <summary>The slope of the activation below zero (0 for ReLU), in the gain √(2/(1 + a²)).</summary>
    public float NegativeSlope { get; } = negativeSlope;

    /// <inheritdoc/>
    protected override void InitWeight(string name, Tensor data)
    {
        float std = MathF.Sqrt(2f / (1f + NegativeSlope * NegativeSlope) / Fans.Of(Fan, Current));
        if (Distribution == Distribution.Uniform) Random.FillUniform(data.AsSpan(), -MathF.Sqrt(3f) * std, MathF.Sqrt(3f) * std);
        else Random.FillNormal(data.AsSpan(), 0f, std);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Kaiming({Fan}, {Distribution}, slope {NegativeSlope})";
}
