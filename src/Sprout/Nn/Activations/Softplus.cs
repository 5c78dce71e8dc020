namespace Sprout.Nn;

/// <summary>Softplus as a layer: log(1 + eˣ).</summary>
public sealed class Softplus : Block
{

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => x.Softplus();

    /// <inheritdoc/>
    protected override string Describe() => "Softplus()";
}
