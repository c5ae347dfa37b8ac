"""Package list only; everything else is in pyproject.toml.

The seed data stays at the top of the repository (the design card) and is installed as the
package ``vnstance.seeds``, so that an installed tool has its default training and gold data.
A ``packages.find`` rule in pyproject.toml cannot add a package from outside ``vnstance/``,
hence this file: every ``vnstance*`` package is still found, so new ones need no edit here.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["vnstance", "vnstance.*"]), "vnstance.seeds"],
    package_dir={"vnstance.seeds": "seeds"},
)
