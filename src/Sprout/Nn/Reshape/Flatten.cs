namespace Sprout.Nn;

/// <summary>Keeps the first (batch) dimension and flattens the rest: (N, d1, d2, …) → (N, d1·d2·…).</summary>
public sealed class Flatten : Block
{
    internal override FeatureFlow Flow => FeatureFlow.Opaque;

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        if (x.Rank < 1)
            throw new ArgumentException($"Flatten at '{CurrentPathOrRoot}' needs an input with a batch dimension; got shape {x.Shape}.", nameof(x));
        return x.Reshape(x.Shape[0], x.Rank == 1 ? 1 : x.Shape.Product(1, x.Rank));
    }
}
