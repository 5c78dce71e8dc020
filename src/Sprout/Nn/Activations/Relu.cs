namespace Sprout.Nn;

/// <summary>max(x, 0) as a layer.</summary>
public sealed class Relu : Block
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.Relu();
}
