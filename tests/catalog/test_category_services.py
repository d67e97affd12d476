import pytest

from catalog.models import CatalogError, Category
from catalog.selectors.categories import category_paths, category_tree
from catalog.services import categories
from tests.catalog.product_factories import CategoryFactory, ProductFactory


@pytest.fixture
def tree(db):
    """Women > Dresses > Maxi, and Men as a second root."""
    women = categories.create_category(name="Women")
    dresses = categories.create_category(name="Dresses", parent=women)
    maxi = categories.create_category(name="Maxi", parent=dresses)
    men = categories.create_category(name="Men")
    return {"women": women, "dresses": dresses, "maxi": maxi, "men": men}


def test_moving_a_category_takes_its_subtree_along(tree):
    categories.move_category(category=tree["dresses"], parent=tree["men"])

    assert category_paths()[tree["maxi"].pk] == "Men/Dresses/Maxi"
    assert Category.objects.get(pk=tree["maxi"].pk).parent_id == tree["dresses"].pk


def test_moving_a_category_under_its_own_descendant_is_refused_and_changes_nothing(tree):
    with pytest.raises(CatalogError) as refused:
        categories.move_category(category=tree["women"], parent=tree["maxi"])

    assert refused.value.code == "category_cycle"
    assert str(refused.value) == (
        "“Women” cannot be moved under itself or one of its own sub-categories."
    )
    assert Category.objects.get(pk=tree["women"].pk).parent_id is None


def test_moving_a_category_under_itself_is_refused(tree):
    with pytest.raises(CatalogError) as refused:
        categories.move_category(category=tree["dresses"], parent=tree["dresses"])

    assert refused.value.code == "category_cycle"
    assert Category.objects.get(pk=tree["dresses"].pk).parent_id == tree["women"].pk


def test_a_category_can_become_a_root(tree):
    categories.move_category(category=tree["maxi"], parent=None)

    assert category_paths()[tree["maxi"].pk] == "Maxi"


def test_a_sibling_name_cannot_be_used_twice(tree):
    categories.create_category(name="Shirts", parent=tree["men"])

    with pytest.raises(CatalogError) as refused:
        categories.create_category(name="Shirts", parent=tree["men"])

    assert refused.value.code == "category_name_taken"
    assert Category.objects.filter(name="Shirts").count() == 1


def test_moving_next_to_a_namesake_is_refused(tree):
    categories.create_category(name="Dresses", parent=tree["men"])

    with pytest.raises(CatalogError) as refused:
        categories.move_category(category=tree["dresses"], parent=tree["men"])

    assert refused.value.code == "category_name_taken"
    assert Category.objects.get(pk=tree["dresses"].pk).parent_id == tree["women"].pk


def test_renaming_keeps_the_parent(tree):
    categories.rename_category(category=tree["dresses"], name=" Skirts ")

    refreshed = Category.objects.get(pk=tree["dresses"].pk)
    assert (refreshed.name, refreshed.parent_id) == ("Skirts", tree["women"].pk)


def test_a_category_name_with_a_slash_is_refused(db):
    with pytest.raises(CatalogError) as refused:
        categories.create_category(name="Women/Dresses")

    assert refused.value.code == "category_name_invalid"
    assert not Category.objects.exists()


def test_deleting_a_category_with_products_is_refused(tree):
    ProductFactory(category=tree["maxi"])

    with pytest.raises(CatalogError) as refused:
        categories.delete_category(category=tree["maxi"])

    assert refused.value.code == "category_has_products"
    assert Category.objects.filter(pk=tree["maxi"].pk).exists()


def test_deleting_a_category_with_children_is_refused(tree):
    with pytest.raises(CatalogError) as refused:
        categories.delete_category(category=tree["dresses"])

    assert refused.value.code == "category_has_children"


def test_an_empty_category_can_be_deleted(tree):
    categories.delete_category(category=tree["maxi"])

    assert not Category.objects.filter(pk=tree["maxi"].pk).exists()


def test_the_tree_lists_nodes_depth_first_with_direct_and_total_product_counts(tree):
    ProductFactory(category=tree["maxi"])
    ProductFactory(category=tree["maxi"])
    ProductFactory(category=tree["women"])

    nodes = category_tree()

    assert [
        (node.path, node.depth, node.product_count, node.total_product_count) for node in nodes
    ] == [
        ("Men", 0, 0, 0),
        ("Women", 0, 1, 3),
        ("Women/Dresses", 1, 0, 2),
        ("Women/Dresses/Maxi", 2, 2, 2),
    ]


def test_the_tree_is_read_in_one_query(tree, django_assert_num_queries):
    CategoryFactory.create_batch(5, parent=tree["men"])

    with django_assert_num_queries(1):
        nodes = category_tree()

    assert len(nodes) == 9
