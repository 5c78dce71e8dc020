using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sprout.Bench.Peers;

/// <summary>A GRU over a sequence in TorchSharp (its <c>nn.GRU</c>, sequence-first), the input size given as it must be.</summary>
internal static class TorchRecurrent
{
    /// <summary><paramref name="steps"/> training steps of a <paramref name="hidden"/>-unit GRU on a fixed (T, N, features) batch per call.</summary>
    public static Func<int> GruSteps(int batch, int length, int features, int hidden, int steps)
    {
        var gru = GRU(features, hidden);
        var optimizer = optim.SGD(gru.parameters(), 0.01);
        var x = tensor(SproutSide.SequenceBatch(batch, length, features), [length, batch, features]);
        gru.train();
        return () =>
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var (y, _) = gru.forward(x);
                (y * y).mean().backward();
                optimizer.step();
            }
            return steps * batch;
        };
    }
}
