using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sprout.Bench.Peers;

using Tensor = TorchSharp.torch.Tensor;

/// <summary>A GRU or an LSTM over a sequence in TorchSharp (<c>nn.GRU</c>, <c>nn.LSTM</c>, sequence-first), the input size given as it must be.</summary>
internal static class TorchRecurrent
{
    /// <summary><paramref name="steps"/> training steps of a <paramref name="hidden"/>-unit GRU on a fixed (T, N, features) batch per call.</summary>
    public static Func<int> GruSteps(int batch, int length, int features, int hidden, int steps)
    {
        var gru = GRU(features, hidden);
        return Steps(gru.parameters(), x => gru.forward(x).Item1, batch, length, features, steps);
    }

    /// <summary><paramref name="steps"/> training steps of a <paramref name="hidden"/>-unit LSTM on a fixed (T, N, features) batch per call.</summary>
    public static Func<int> LstmSteps(int batch, int length, int features, int hidden, int steps)
    {
        var lstm = LSTM(features, hidden);
        return Steps(lstm.parameters(), x => lstm.forward(x).Item1, batch, length, features, steps);
    }

    private static Func<int> Steps(IEnumerable<TorchSharp.Modules.Parameter> parameters, Func<Tensor, Tensor> forward, int batch, int length, int features, int steps)
    {
        var optimizer = optim.SGD(parameters, 0.01);
        var x = tensor(SproutSide.SequenceBatch(batch, length, features), [length, batch, features]);
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
