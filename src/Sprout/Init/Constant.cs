namespace Sprout.Init;

/// <summary>Weights set to one value (biases still zero, as in Gluon).</summary>
public class Constant(float value) : Initializer
{
    /// <summary>The value every element gets.</summary>
    public float Value { get; } = value;

    /// <inheritdoc/>
    protected override void InitWeight(string name, Tensor data) => data.AsSpan().Fill(Value);

    /// <inheritdoc/>
    public override string ToString() => $"Constant({Value})";
}
