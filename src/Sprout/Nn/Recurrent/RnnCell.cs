namespace Sprout.Nn;

/// <summary>One Elman step: h′ = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh).</summary>
public sealed class RnnCell(int hidden, int inputSize = Shape.Unknown) : RecurrentCell(hidden, inputSize, gates: 1)
{
    /// <summary>The new state from <paramref name="x"/> and <paramref name="state"/> (zeros when null).</summary>
    public Tensor Forward(Tensor x, Tensor? state) => Forward([x, state])[0];

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        var (gx, gh) = Gates(x, StateOrZeros(inputs, 1, x));
        return [(gx + gh).Tanh()];
    }
}
