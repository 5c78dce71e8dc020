namespace Sprout.Nn;

/// <summary>tanh(x) as a layer.</summary>
public sealed class Tanh : Block
{
    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.Tanh();
}
