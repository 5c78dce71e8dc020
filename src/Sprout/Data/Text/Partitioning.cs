namespace Sprout.Data;

/// <summary>How <see cref="SequenceBatches"/> cuts a corpus into a language model's subsequences (the book's two samplers).</summary>
public enum Partitioning
{
    /// <summary>Subsequences from a random offset, shuffled: adjacent batches are unrelated (<c>seq_data_iter_random</c>).</summary>
    Random,

    /// <summary>
    /// The corpus from a random offset split into one long stream per batch row; each batch is the next window of every
    /// stream, so row i of a batch continues row i of the one before and a recurrent state can be carried over
    /// (<c>seq_data_iter_sequential</c>).
    /// </summary>
    Sequential,
}
