namespace Sprout.Nn;

/// <summary>Mish as a layer: x·tanh(softplus(x)).</summary>
public sealed class Mish : Block
{

    protected override Tensor ForwardCore(Tensor x) => x.Mish();

    protected override string Describe() => "Mish()";
}
