using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sprout.Bench.Peers;

using Tensor = TorchSharp.torch.Tensor;

/// <summary>
/// Sequence models in TorchSharp, sequence-first, input sizes given as they must be: a Transformer encoder block (its
/// <c>TransformerEncoderLayer</c>, no dropout), <c>nn.GRU</c> and <c>nn.LSTM</c>; each trained by SGD on mean(y²).
/// </summary>
internal static class TorchSequences
{
    /// <summary><paramref name="steps"/> training steps of an encoder block (width 256, 8 heads, FFN 1024) on a fixed (T, N, 256) batch per call.</summary>
    public static Func<int> TransformerSteps(int batch, int length, int steps)
    {
        var block = TransformerEncoderLayer(256, 8, 1024, 0.0);
        block.train();
        var x = tensor(SproutSide.SequenceBatch(batch, length, 256), [batch, length, 256]).transpose(0, 1).contiguous();
        return Steps(block.parameters(), block.forward, x, batch, steps);
    }

    /// <summary><paramref name="steps"/> training steps of the decoder of <c>SproutSide.DecoderSteps</c>: two stride-2 transposed convolutions.</summary>
    public static Func<int> DecoderSteps(int batch, int steps)
    {
        var net = Sequential(ConvTranspose2d(64, 32, 4, stride: 2, padding: 1), ReLU(), ConvTranspose2d(32, 1, 4, stride: 2, padding: 1));
        var x = tensor(SproutSide.SequenceBatch(batch, 64, 14 * 14), [batch, 64, 14, 14]);
        return Steps(net.parameters(), net.forward, x, batch, steps);
    }

    /// <summary><paramref name="steps"/> training steps of a <paramref name="hidden"/>-unit GRU on a fixed (T, N, features) batch per call.</summary>
    public static Func<int> GruSteps(float[] sequence, int batch, int length, int hidden, int steps)
    {
        var x = Sequence(sequence, batch, length);
        var gru = GRU((int)x.shape[2], hidden);
        return Steps(gru.parameters(), x => gru.forward(x).Item1, x, batch, steps);
    }

    /// <summary><paramref name="steps"/> training steps of a <paramref name="hidden"/>-unit LSTM on a fixed (T, N, features) batch per call.</summary>
    public static Func<int> LstmSteps(float[] sequence, int batch, int length, int hidden, int steps)
    {
        var x = Sequence(sequence, batch, length);
        var lstm = LSTM((int)x.shape[2], hidden);
        return Steps(lstm.parameters(), x => lstm.forward(x).Item1, x, batch, steps);
    }

    private static Tensor Sequence(float[] x, int batch, int length) => tensor(x, [length, batch, x.Length / (length * batch)]);

    private static Func<int> Steps(IEnumerable<TorchSharp.Modules.Parameter> parameters, Func<Tensor, Tensor> forward, Tensor x, int batch, int steps)
    {
        var optimizer = optim.SGD(parameters, 0.01);
        return () =>
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var y = forward(x);
                (y * y).mean().backward();
                optimizer.step();
            }
            return steps * batch;
        };
    }
}
