using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sprout.Bench.Peers;

using Tensor = TorchSharp.torch.Tensor;

/// <summary>
/// The book's Vision Transformer in TorchSharp, every size written out: a 16×16 strided convolution as the patch
/// embedding, a class token and learned positions, pre-norm blocks of bias-free multi-head attention and a GELU MLP,
/// LayerNorm and a linear head on the class token. Sequence-first, as TorchSharp's attention expects. No dropout (the
/// Sprout side matches).
/// </summary>
internal static class TorchVit
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> _norm1, _norm2, _mlp;
        private readonly TorchSharp.Modules.MultiheadAttention _attention;

        public Block(int hidden, int mlpHidden, int heads) : base("VitBlock")
        {
            _norm1 = LayerNorm(hidden);
            _attention = MultiheadAttention(hidden, heads, bias: false);
            _norm2 = LayerNorm(hidden);
            _mlp = Sequential(Linear(hidden, mlpHidden), GELU(), Linear(mlpHidden, hidden));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var normed = _norm1.forward(x);
            x = x + _attention.forward(normed, normed, normed, null, false, null).Item1;
            return x + _mlp.forward(_norm2.forward(x));
        }
    }

    private sealed class Vit : Module<Tensor, Tensor>
    {
        private readonly Module<Tensor, Tensor> _patches, _blocks, _head;
        private readonly TorchSharp.Modules.Parameter _classToken, _positions;

        public Vit(int side, int patch, int hidden, int mlpHidden, int heads, int blocks, int classes) : base("Vit")
        {
            int tokens = side / patch * (side / patch) + 1;
            _patches = Conv2d(1, hidden, patch, stride: patch);
            _classToken = Parameter(zeros(1, 1, hidden));
            _positions = Parameter(randn(tokens, 1, hidden) * 0.02);
            _blocks = Sequential([.. Enumerable.Range(0, blocks).Select(_ => (Module<Tensor, Tensor>)new Block(hidden, mlpHidden, heads))]);
            _head = Sequential(LayerNorm(hidden), Linear(hidden, classes));
            RegisterComponents();
        }

        public override Tensor forward(Tensor images)
        {
            var patches = _patches.forward(images).flatten(2).permute(2, 0, 1);   // (tokens, N, hidden)
            var x = cat([_classToken.expand(1, images.shape[0], -1), patches], 0) + _positions;
            return _head.forward(_blocks.forward(x)[0]);
        }
    }

    /// <summary><paramref name="steps"/> training steps of the book's ViT (96×96, patch 16, width 512, MLP 2048, 8 heads, 2 blocks) on one fixed batch per call.</summary>
    public static Func<int> Steps(int batch, int steps)
    {
        var net = new Vit(96, 16, 512, 2048, 8, 2, 10);
        return TorchResNet.ImageSteps(net, optim.SGD(net.parameters(), 0.1), batch, steps);
    }
}
