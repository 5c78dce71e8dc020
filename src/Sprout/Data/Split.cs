namespace Sprout.Data;

/// <summary>Which part of a data set.</summary>
public enum Split
{
    /// <summary>The training set.</summary>
    Train,
    /// <summary>The test set.</summary>
    Test,
}
