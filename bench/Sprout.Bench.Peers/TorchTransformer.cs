using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sprout.Bench.Peers;

using Tensor = TorchSharp.torch.Tensor;

/// <summary>One Transformer encoder block in TorchSharp (its <c>TransformerEncoderLayer</c>, sequence-first, no dropout).</summary>
internal static class TorchTransformer
{
    /// <summary><paramref name="steps"/> training steps of an encoder block (width 256, 8 heads, FFN 1024) on a fixed (T, N, 256) batch per call.</summary>
    public static Func<int> Steps(int batch, int length, int steps)
    {
        var block = TransformerEncoderLayer(256, 8, 1024, 0.0);
        var optimizer = optim.SGD(block.parameters(), 0.01);
        var x = tensor(SproutSide.SequenceBatch(batch, length, 256), [batch, length, 256]).transpose(0, 1).contiguous();
        block.train();
        return () =>
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var y = block.forward(x);
                (y * y).mean().backward();
                optimizer.step();
            }
            return steps * batch;
        };
    }
}
