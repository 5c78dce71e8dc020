namespace Sprout.Nn;

/// <summary>ELU as a layer: x for x &gt; 0, else α(eˣ − 1).</summary>
public sealed class Elu : Block
{
    /// <summary>An ELU layer with the given <paramref name="alpha"/>.</summary>
    public Elu(float alpha = 1f)
    {
        if (!float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Elu: alpha must be finite.");
        Alpha = alpha;
    }

    /// <summary>α, the value approached far below zero (−α).</summary>
    public float Alpha { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.Elu(Alpha);

    /// <inheritdoc/>
    protected override string Describe() => $"Elu(alpha={Alpha})";
}
