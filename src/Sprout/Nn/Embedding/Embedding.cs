using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// A lookup table of <c>vocabSize</c> vectors of <c>dim</c> features: ids of any shape (float tensors of whole numbers)
/// → ids.Shape + (dim). Parameter <c>weight</c> (vocabSize, dim) as PyTorch's; its gradient is the scatter-add of the
/// output gradient (repeated ids accumulate). An id outside 0..vocabSize − 1 is an error naming it and its position.
/// </summary>
public sealed class Embedding : Block
{
    /// <summary>An embedding of <paramref name="vocabSize"/> ids into <paramref name="dim"/> features (Normal(0, 1) by default, as PyTorch).</summary>
    public Embedding(int vocabSize, int dim, Initializer? weightInitializer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        (VocabSize, Dim) = (vocabSize, dim);
        Weight = AddParameter("weight", new Shape(vocabSize, dim), weightInitializer ?? new Normal(1f));
    }

    /// <summary>How many ids it knows.</summary>
    public int VocabSize { get; }
    /// <summary>Features per id.</summary>
    public int Dim { get; }
    /// <summary>(vocabSize, dim).</summary>
    public Parameter Weight { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor ids)
    {
        var rows = ids.IsMeta ? Weight.Data().IndexSelect(0, ids.Reshape(ids.Length)) : Weight.Data().SelectChecked(0, RowsOf(ids));
        return rows.Reshape([.. ids.Shape, Dim]);
    }

    /// <summary>The ids as row numbers, each a whole number in 0..VocabSize − 1, else an error naming the first one outside and its position in <paramref name="ids"/>.</summary>
    private int[] RowsOf(Tensor ids) => Tensor.IndicesOf(ids, VocabSize, "Embedding", (v, position) =>
        v == MathF.Floor(v)
            ? $"Embedding at '{CurrentPathOrRoot}' has {VocabSize} ids (0..{VocabSize - 1}); got {v} at position {position} of ids shaped {ids.Shape}. " +
              $"Map tokens into 0..{VocabSize - 1} (an <unk> id for unknown ones), or make the Embedding's vocabSize larger."
            : $"Embedding at '{CurrentPathOrRoot}' takes whole-number ids (0..{VocabSize - 1}); got {v} at position {position} of ids shaped {ids.Shape}. " +
              "Ids are float tensors holding exact integers: pass token ids from a Vocabulary, not features or probabilities.");

    /// <inheritdoc/>
    protected override string Describe() => $"Embedding({VocabSize} -> {Dim})";
}
