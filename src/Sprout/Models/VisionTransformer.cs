using Sprout.Nn;

namespace Sprout.Models;

/// <summary>
/// The book's Vision Transformer: patch embedding, a class token, learnable position embeddings, dropout, a stack of
/// pre-norm <see cref="VitBlock"/>s, a final LayerNorm, and a Dense head on the class token's output. Only its own
/// sizes are written: the channels, the patch count (from the image size) and every layer's input are inferred.
/// (N, C, H, W) → (N, classes).
/// </summary>
public sealed class VisionTransformer : Block
{
    /// <summary>A ViT of <paramref name="blocks"/> blocks, <paramref name="hidden"/> features in <paramref name="heads"/> heads, patches of <paramref name="patchSize"/>.</summary>
    public VisionTransformer(int classes, Size2 patchSize, int hidden, int mlpHidden, int heads, int blocks, float embeddingDropout = 0.1f, float blockDropout = 0.1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        Patches = AddChild("patch_embedding", new PatchEmbedding(hidden, patchSize));
        Token = AddChild("cls_token", new ClassToken());
        Positions = AddChild("pos_embedding", new PositionEmbedding());
        EmbeddingDropout = embeddingDropout;
        Blocks = AddChild("blocks", new BlockList([.. Enumerable.Range(0, blocks).Select(_ => new VitBlock(heads, mlpHidden, blockDropout))]));
        Norm = AddChild("norm", new LayerNorm());
        Head = AddChild("head", new Dense(classes));
    }

    /// <summary>Images to patch features.</summary>
    public PatchEmbedding Patches { get; }
    /// <summary>The class token.</summary>
    public ClassToken Token { get; }
    /// <summary>Learnable position embeddings.</summary>
    public PositionEmbedding Positions { get; }
    /// <summary>The encoder blocks.</summary>
    public BlockList Blocks { get; }
    /// <summary>The final normalization.</summary>
    public LayerNorm Norm { get; }
    /// <summary>The classifier on the class token's output.</summary>
    public Dense Head { get; }
    /// <summary>Dropout after the position embeddings.</summary>
    public float EmbeddingDropout { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        var h = ApplyDropout(Positions.Forward(Token.Forward(Patches.Forward(x))), EmbeddingDropout);
        foreach (var block in Blocks) h = block.Forward(h);
        var cls = Norm.Forward(h).Narrow(1, 0, 1);
        return Head.Forward(cls.Reshape(cls.Shape[0], cls.Shape[2]));
    }
}
