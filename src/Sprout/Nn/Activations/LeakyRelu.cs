namespace Sprout.Nn;

/// <summary>Leaky ReLU as a layer: x for x &gt; 0, else slope·x.</summary>
public sealed class LeakyRelu : Block
{
    public LeakyRelu(float slope = 0.01f)
    {
        if (!float.IsFinite(slope)) throw new ArgumentOutOfRangeException(nameof(slope), slope, "LeakyRelu: the slope must be finite.");
        Slope = slope;
    }

    public float Slope { get; }

    protected override Tensor ForwardCore(Tensor x) => x.LeakyRelu(Slope);

    protected override string Describe() => $"LeakyRelu(slope={Slope})";
}
