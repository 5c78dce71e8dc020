namespace Sprout.Init;

/// <summary>
/// Xavier/Glorot (Gluon's definition): scale = √(magnitude / fan); uniform in [−scale, scale] or N(0, scale²).
/// The defaults (uniform, avg, magnitude 3) give Var = 2 / (fan_in + fan_out).
/// </summary>
public sealed class Xavier(Distribution distribution = Distribution.Uniform, FanMode fan = FanMode.Avg, float magnitude = 3f) : Initializer
{
    /// <summary>Uniform or Gaussian samples.</summary>
    public Distribution Distribution { get; } = distribution;
    /// <summary>Whether the fan-in, the fan-out or their average sets the scale.</summary>
    public FanMode Fan { get; } = fan;
    /// <summary>The magnitude m in the scale √(m / fan).</summary>
    public float Magnitude { get; } = magnitude > 0 ? magnitude
        : throw new ArgumentOutOfRangeException(nameof(magnitude), magnitude, "Expected a positive magnitude.");

    /// <inheritdoc/>
    protected override void InitWeight(string name, Tensor data)
    {
        float scale = MathF.Sqrt(Magnitude / Fans.Of(Fan, Current));
        if (Distribution == Distribution.Uniform) Random.FillUniform(data.AsSpan(), -scale, scale);
        else Random.FillNormal(data.AsSpan(), 0f, scale);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Xavier({Distribution}, {Fan}, {Magnitude})";
}
