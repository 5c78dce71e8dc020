namespace Sprout.Nn;

/// <summary>Leaky ReLU as a layer: x for x &gt; 0, else slope·x.</summary>
public sealed class LeakyRelu : Block
{
    /// <summary>A leaky ReLU with the given <paramref name="slope"/> below zero.</summary>
    public LeakyRelu(float slope = 0.01f)
    {
        if (!float.IsFinite(slope)) throw new ArgumentOutOfRangeException(nameof(slope), slope, "LeakyRelu: the slope must be finite.");
        Slope = slope;
    }

    /// <summary>The slope below zero.</summary>
    public float Slope { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.LeakyRelu(Slope);

    /// <inheritdoc/>
    protected override string Describe() => $"LeakyRelu(slope={Slope})";
}
