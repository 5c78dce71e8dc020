namespace Sprout.Nn;

/// <summary>One GRU step (gates r, z, n as PyTorch's <c>GRUCell</c>).</summary>
public sealed class GruCell(int hidden, int inputSize = Shape.Unknown) : RecurrentCell(hidden, inputSize, gates: 3)
{
    /// <summary>The new state from <paramref name="x"/> and <paramref name="state"/> (zeros when null).</summary>
    public Tensor Forward(Tensor x, Tensor? state) => Forward([x, state])[0];

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var h = StateOrZeros(inputs, 1, x);
        var (gx, gh) = Gates(x, h);
        return [Gru.GruStep(gx, gh, h)];
    }
}
