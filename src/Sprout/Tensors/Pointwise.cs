namespace Sprout;

/// <summary>An activation fused into the op that produces its input (applied in place on a fresh output).</summary>
internal enum Pointwise
{
    None,
    Relu,
    Sigmoid,
    Tanh,
}
