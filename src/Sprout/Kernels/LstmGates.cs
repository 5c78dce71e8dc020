using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// An LSTM step's gate arithmetic over rows, PyTorch's gate order (i, f, g, o): from the summed pre-activations a (each
/// row 4·H wide) and the cell state c, i, f, o = σ(a_·), g = tanh(a_g), c′ = f ⊙ c + i ⊙ g, h′ = o ⊙ tanh(c′). The
/// result rows are [h′ | c′] (2·H wide); the activated gates and tanh(c′) are kept for the backward.
/// </summary>
internal static class LstmGates
{
    /// <summary>Writes [h′ | c′] rows to <paramref name="hc"/> and the activated gates (rows 4·H) and tanh(c′) (rows H) to the saved spans.</summary>
    public static void Forward(ReadOnlySpan<float> a, ReadOnlySpan<float> c, int hidden, Span<float> hc, Span<float> gates, Span<float> tanhC)
    {
        for (int row = 0; row < c.Length / hidden; row++)
        {
            int at = row * hidden;
            var activated = gates.Slice(4 * at, 4 * hidden);
            TensorPrimitives.Sigmoid(a.Slice(4 * at, 2 * hidden), activated[..(2 * hidden)]);                                   // i, f
            TensorPrimitives.Tanh(a.Slice(4 * at + 2 * hidden, hidden), activated.Slice(2 * hidden, hidden));                   // g
            TensorPrimitives.Sigmoid(a.Slice(4 * at + 3 * hidden, hidden), activated.Slice(3 * hidden, hidden));                // o
            Span<float> h = hc.Slice(2 * at, hidden), cNext = hc.Slice(2 * at + hidden, hidden), t = tanhC.Slice(at, hidden);
            TensorPrimitives.Multiply(activated[..hidden], activated.Slice(2 * hidden, hidden), cNext);                          // i ⊙ g
            TensorPrimitives.FusedMultiplyAdd(activated.Slice(hidden, hidden), c.Slice(at, hidden), cNext, cNext);             // + f ⊙ c
            TensorPrimitives.Tanh(cNext, t);
            TensorPrimitives.Multiply(activated.Slice(3 * hidden, hidden), t, h);
        }
    }

    /// <summary>
    /// From the gradient of [h′ | c′]: the gradients of the pre-activations (rows 4·H) and of c. With
    /// ∂c′ = dc′ + dh′ ⊙ o ⊙ (1 − tanh²c′): ∂a_i = ∂c′ g i(1 − i), ∂a_f = ∂c′ c f(1 − f), ∂a_g = ∂c′ i (1 − g²),
    /// ∂a_o = dh′ tanh(c′) o(1 − o), ∂c = ∂c′ f.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> dhc, ReadOnlySpan<float> c, ReadOnlySpan<float> gates, ReadOnlySpan<float> tanhC, int hidden,
        Span<float> da, Span<float> dc)
    {
        for (int row = 0; row < c.Length / hidden; row++)
        {
            int at = row * hidden, g4 = 4 * at;
            for (int j = 0; j < hidden; j++)
            {
                float i = gates[g4 + j], f = gates[g4 + hidden + j], g = gates[g4 + 2 * hidden + j], o = gates[g4 + 3 * hidden + j];
                float dh = dhc[2 * at + j], t = tanhC[at + j];
                float dcNext = dhc[2 * at + hidden + j] + dh * o * (1 - t * t);
                da[g4 + j] = dcNext * g * i * (1 - i);
                da[g4 + hidden + j] = dcNext * c[at + j] * f * (1 - f);
                da[g4 + 2 * hidden + j] = dcNext * i * (1 - g * g);
                da[g4 + 3 * hidden + j] = dh * t * o * (1 - o);
                dc[at + j] = dcNext * f;
            }
        }
    }
}
