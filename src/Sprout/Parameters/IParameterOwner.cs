namespace Sprout.Nn;

/// <summary>What declared a parameter: it knows where it sits, so the parameter can name its full path in messages.</summary>
internal interface IParameterOwner
{
    /// <summary>The full path of the owner's parameter <paramref name="name"/> (<c>1.0.weight</c>).</summary>
    string PathOf(string name);
}
