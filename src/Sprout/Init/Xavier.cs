namespace Sprout.Init;

/// <summary>
/// Xavier/Glorot (Gluon's definition): scale = √(magnitude / fan); uniform in [−scale, scale] or N(0, scale²).
/// The defaults (uniform, avg, magnitude 3) give Var = 2 / (fan_in + fan_out).
/// </summary>
public sealed class Xavier(Distribution distribution = Distribution.Uniform, FanMode fan = FanMode.Avg, float magnitude = 3f) : Initializer
{
    public Distribution Distribution { get; } = distribution;
    public FanMode Fan { get; } = fan;
    public float Magnitude { get; } = magnitude > 0 ? magnitude
        : throw new ArgumentOutOfRangeException(nameof(magnitude), magnitude, "Expected a positive magnitude.");

    protected override void InitWeight(string name, Tensor data)
    {
        float scale = MathF.Sqrt(Magnitude / Fans.Of(Fan, Current));
        if (Distribution == Distribution.Uniform) Random.FillUniform(data.AsSpan(), -scale, scale);
        else Random.FillNormal(data.AsSpan(), 0f, scale);
    }

    public override string ToString() => $"Xavier({Distribution}, {Fan}, {Magnitude})";
}
