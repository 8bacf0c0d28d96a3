"""``{% cachedpart "name" %}…{% endcachedpart %}``: a part of a page kept between writes.

With a ``page_cache`` (``core.page_cache.PageCache``) in the context, the part is looked up under
its key plus ``name``; when it is missing, the page's cached context is computed (once for all
its parts) and pushed above the view's, the part is drawn from it with a placeholder for the CSRF
token, and stored. Each response puts its own token in place of the placeholder. Without a
``page_cache`` the part is drawn as if the tag were not there.
"""

from __future__ import annotations

from django import template
from django.core.cache import cache
from django.template.base import FilterExpression, Parser, Token
from django.utils.safestring import SafeString, mark_safe

from ambit.core.page_cache import PAGE_CACHE_SECONDS, PageCache, csrf_placeholder

register = template.Library()


class CachedPartNode(template.Node):
    def __init__(self, name: FilterExpression, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        page = context.get("page_cache")
        if not isinstance(page, PageCache):
            return self.nodelist.render(context)
        key = f"{page.key}:{self.name.resolve(context)}"
        html = cache.get(key)
        if not isinstance(html, str):
            placeholder = csrf_placeholder()
            with context.push(page.context()), context.push(csrf_token=placeholder):
                html = str(self.nodelist.render(context))
            cache.set(key, html, PAGE_CACHE_SECONDS)
        placeholder = csrf_placeholder()
        if placeholder in html:
            html = html.replace(placeholder, str(context.get("csrf_token", "")))
        return mark_safe(html)  # drawn by the template engine, which escaped it


@register.tag
def cachedpart(parser: Parser, token: Token) -> CachedPartNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one argument: the part's name.")
    nodelist = parser.parse(("endcachedpart",))
    parser.delete_first_token()
    return CachedPartNode(parser.compile_filter(bits[1]), nodelist)
