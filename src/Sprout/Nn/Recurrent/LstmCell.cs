namespace Sprout.Nn;

/// <summary>One LSTM step (gates i, f, g, o as PyTorch's <c>LSTMCell</c>): returns (h′, c′).</summary>
public sealed class LstmCell(int hidden, int inputSize = Shape.Unknown) : RecurrentCell(hidden, inputSize, gates: 4)
{
    /// <summary>The new (h, c) from <paramref name="x"/> and the state (zeros when null).</summary>
    public (Tensor H, Tensor C) Forward(Tensor x, Tensor? h, Tensor? c)
    {
        var r = Forward([x, h, c]);
        return (r[0], r[1]);
    }

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var (gx, gh) = Gates(x, StateOrZeros(inputs, 1, x));
        var (h, c) = Lstm.LstmStep(gx + gh, StateOrZeros(inputs, 2, x));
        return [h, c];
    }
}
