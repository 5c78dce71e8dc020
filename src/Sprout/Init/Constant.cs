namespace Sprout.Init;

/// <summary>Weights set to one value (biases still zero, as in Gluon).</summary>
public class Constant(float value) : Initializer
{
    public float Value { get; } = value;

    protected override void InitWeight(string name, Tensor data) => data.AsSpan().Fill(Value);

    public override string ToString() => $"Constant({Value})";
}
