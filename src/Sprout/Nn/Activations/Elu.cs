namespace Sprout.Nn;

/// <summary>ELU as a layer: x for x &gt; 0, else α(eˣ − 1).</summary>
public sealed class Elu : Block
{
    public Elu(float alpha = 1f)
    {
        if (!float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Elu: alpha must be finite.");
        Alpha = alpha;
    }

    public float Alpha { get; }

    protected override Tensor ForwardCore(Tensor x) => x.Elu(Alpha);

    protected override string Describe() => $"Elu(alpha={Alpha})";
}
