namespace Sprout.Data;

/// <summary>Which part of a data set.</summary>
public enum Split
{
    Train,
    Test,
}
